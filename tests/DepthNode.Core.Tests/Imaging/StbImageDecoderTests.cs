using DepthNode.Bags;
using DepthNode.Imaging;
using DepthNode.Messages;
using DepthNode.Tests;
using OpenCvSharp;
using Xunit.Abstractions;

namespace DepthNode.Core.Tests.Imaging;

/// <summary>
/// The managed decoder (StbImageSharp, the linux-arm64 path) against OpenCV's imdecode on real files: PNG bit for bit,
/// JPEG within what two IDCT / chroma-upsampling implementations differ by.
/// </summary>
public class StbImageDecoderTests(ITestOutputHelper output)
{
    private static byte[] Read(string relative) => File.ReadAllBytes(SharedData.Path(["data", .. relative.Split('/')]));

    private static byte[] SampleBagJpeg()
    {
        using var bag = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3"));
        var payload = bag.ReadMessages(new BagReadOptions { Topics = ["/image/compressed"] }).Single().Data.ToArray();
        return RosMessage.Deserialize<CompressedImage>(payload).Data.ToArray();
    }

    /// <summary>Every channel of every pixel of the managed decode minus OpenCV's (BGR or grey, unchanged depth),
    /// channels matched by the view's encoding; throws unless the two agree on size and channel count.</summary>
    private static int[] Differences(ReadOnlySpan<byte> bytes, string codec)
    {
        using var expected = Cv2.ImDecode(bytes, ImreadModes.Unchanged);
        Assert.False(expected.Empty());
        using var decoder = new CompressedImageDecoder(CompressedImageBackend.Managed);
        var view = decoder.Decode(codec, bytes);
        Assert.Equal((expected.Cols, expected.Rows), (view.Width, view.Height));
        var channels = expected.Channels();
        var sixteen = expected.Depth() == MatType.CV_16U;
        Assert.Equal(sixteen ? PixelEncoding.Mono16 : channels switch { 1 => PixelEncoding.Mono8, 3 => PixelEncoding.Rgb8, _ => PixelEncoding.Rgba8 }, view.Encoding);
        var bytesPerSample = sixteen ? 2 : 1;
        var rowBytes = view.Width * channels * bytesPerSample;
        var reference = new byte[rowBytes];
        var diffs = new int[view.Width * view.Height * channels];
        var i = 0;
        for (var y = 0; y < view.Height; y++)
        {
            System.Runtime.InteropServices.Marshal.Copy(expected.Ptr(y), reference, 0, rowBytes);
            var row = view.Row(y);
            for (var x = 0; x < view.Width; x++)
                for (var c = 0; c < channels; c++)
                {
                    // OpenCV gives BGR(A); the managed decoder the file's RGB(A).
                    var oc = channels >= 3 && c < 3 ? 2 - c : c;
                    var at = x * channels + c;
                    var atReference = x * channels + oc;
                    diffs[i++] = sixteen
                        ? BitConverter.ToUInt16(row.Slice(2 * at, 2)) - BitConverter.ToUInt16(reference, 2 * atReference)
                        : row[at] - reference[atReference];
                }
        }
        return diffs;
    }

    [Theory]
    [InlineData("kitti/raw_depth_gt/rgb/0000000005.png")]         // 1242x375 rgb
    [InlineData("kitti/raw_depth_gt/depth/0000000005.png")]       // 16-bit LiDAR depth
    [InlineData("kitti/odometry_07/image_0/000000.png")]          // 8-bit grey
    [InlineData("kitti/odometry_06_stereo_color/kitti06-12-color.png")]
    [InlineData("sun3d_fragment1/frame-000950.color.png")]
    [InlineData("sun3d_fragment1/frame-000950.depth.png")]        // 16-bit Kinect depth
    [InlineData("nyu/unidepth_rgb.png")]
    [InlineData("nyu/sync_depth_00050.png")]
    [InlineData("7scenes_redkitchen/frame-000000.depth.png")]     // 16-bit with 65535 = no measurement
    public void Decode_RealPng_EqualsOpenCvBitForBit(string file)
    {
        var diffs = Differences(Read(file), "png");
        Assert.True(diffs.Length > 100_000);
        Assert.Equal(0, diffs.Count(d => d != 0));
    }

    public static TheoryData<string> Jpegs()
    {
        var data = new TheoryData<string> { "bag:rosbag2js/sample.db3", "nyu/rgb_00000.jpg", "nyu/rgb_00050.jpg", "nyu/rgb_00100.jpg" };
        for (var i = 0; i < 150; i += 10) data.Add($"7scenes_redkitchen/frame-{i:D6}.color.jpg");
        return data;
    }

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Decode_RealJpeg_IsWithinTwoIdctsOfOpenCv(string file)
    {
        var bytes = file.StartsWith("bag:") ? SampleBagJpeg() : Read(file);
        var diffs = Differences(bytes, "jpeg");
        var max = diffs.Max(Math.Abs);
        var mean = diffs.Average(d => (double)Math.Abs(d));
        var exact = diffs.Count(d => d == 0) / (double)diffs.Length;
        output.WriteLine($"{file}: mean |diff| {mean:0.000}, max {max}, identical {exact:P1}");
        // libjpeg-turbo (OpenCV) and stb_image use different integer IDCTs and chroma upsampling.
        Assert.True(mean < MeanBound, $"mean |diff| {mean:0.000}");
        Assert.True(max <= MaxBound, $"max |diff| {max}");
    }

    // Measured: mean 0.041-0.078, max 3 on every file (94-97 % of samples identical).
    private const double MeanBound = 0.1;
    private const int MaxBound = 3;
}
