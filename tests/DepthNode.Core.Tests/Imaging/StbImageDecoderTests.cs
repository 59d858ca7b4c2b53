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

    public static TheoryData<string, string, DataErrorKind> BadBytes() => new()
    {
        { "jpeg", "cut in half", DataErrorKind.Truncated },
        { "jpeg", "cut after the headers", DataErrorKind.Truncated },
        { "jpeg", "without its EOI marker", DataErrorKind.Truncated },
        { "jpeg", "garbage after the headers", DataErrorKind.Truncated },
        { "png", "cut in half", DataErrorKind.Invalid },
        { "png", "cut after the IHDR", DataErrorKind.Invalid },
        { "png", "garbage after the IHDR", DataErrorKind.Invalid },
        { "png", "one IDAT byte flipped", DataErrorKind.Invalid },
        { "png16", "cut in half", DataErrorKind.Invalid },
    };

    [Theory]
    [MemberData(nameof(BadBytes))]
    public void Decode_CutOrCorruptBytes_BothBackendsRefuseAlike_AndDecodeTheNextFrame(string file, string damage, DataErrorKind kind)
    {
        var good = Read(file switch { "jpeg" => "nyu/rgb_00000.jpg", "png" => "sun3d_fragment1/frame-000950.color.png", _ => "sun3d_fragment1/frame-000950.depth.png" });
        var codec = file == "jpeg" ? "jpeg" : "png";
        var garbage = Enumerable.Range(0, 5000).Select(i => (byte)(i * 37 + 11));
        var bad = damage switch
        {
            "cut in half" => good[..(good.Length / 2)],
            "cut after the headers" => good[..700],
            "without its EOI marker" => good[..^2],
            "garbage after the headers" => [.. good[..700], .. garbage],
            "cut after the IHDR" => good[..40],
            "garbage after the IHDR" => [.. good[..33], .. garbage],
            "one IDAT byte flipped" => Flipped(good, 200),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        var errors = new List<ImageFormatException>();
        foreach (var backend in new[] { CompressedImageBackend.OpenCv, CompressedImageBackend.Managed })
        {
            using var decoder = new CompressedImageDecoder(backend);
            errors.Add(Assert.Throws<ImageFormatException>(() => decoder.Decode(codec, bad)));
            Assert.Equal(640, decoder.Decode(codec, good).Width);
        }
        output.WriteLine(string.Join("\n", errors.Select(e => e.Message)));
        Assert.All(errors, e => Assert.Equal((kind, "data"), (e.ErrorKind, e.Field)));
    }

    [Fact]
    public void Decode_ExifThumbnailEoiInAHeaderSegment_IsNotTakenForTheImageEnd()
    {
        // An APP1 segment whose payload holds FF D9 (as an EXIF thumbnail's own JPEG does), right after SOI.
        var jpeg = Read("nyu/rgb_00000.jpg");
        byte[] app1 = [0xFF, 0xE1, 0x00, 0x08, 0xFF, 0xD8, 0x12, 0x34, 0xFF, 0xD9];
        byte[] withThumbnail = [.. jpeg[..2], .. app1, .. jpeg[2..]];
        foreach (var backend in new[] { CompressedImageBackend.OpenCv, CompressedImageBackend.Managed })
        {
            using var decoder = new CompressedImageDecoder(backend);
            Assert.Equal(480, decoder.Decode("jpeg", withThumbnail).Height);
            var e = Assert.Throws<ImageFormatException>(() => decoder.Decode("jpeg", withThumbnail[..(withThumbnail.Length / 2)]));
            Assert.Equal(DataErrorKind.Truncated, e.ErrorKind);
        }
    }

    [Fact]
    public void Decode_PaddingAfterTheEoiMarker_IsAccepted()
    {
        byte[] padded = [.. Read("nyu/rgb_00050.jpg"), .. new byte[64]];
        foreach (var backend in new[] { CompressedImageBackend.OpenCv, CompressedImageBackend.Managed })
        {
            using var decoder = new CompressedImageDecoder(backend);
            Assert.Equal((640, 480), (decoder.Decode("jpeg", padded).Width, decoder.Decode("jpeg", padded).Height));
        }
    }

    private static byte[] Flipped(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0xFF;
        return copy;
    }

    [Theory]
    [InlineData("jpeg", CompressedImageBackend.Managed)]
    [InlineData("png", CompressedImageBackend.Managed)]
    [InlineData("jpeg", CompressedImageBackend.OpenCv)]
    [InlineData("png", CompressedImageBackend.OpenCv)]
    public void Decode_SteadyState_AllocatesNoPixelBuffer(string codec, CompressedImageBackend backend)
    {
        using var kitti = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "rgb", "0000000005.png"));
        Cv2.ImEncode(codec == "jpeg" ? ".jpg" : ".png", kitti, out var bytes);
        using var decoder = new CompressedImageDecoder(backend);
        for (var i = 0; i < 3; i++) decoder.Decode(codec, bytes);
        const int frames = 10;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < frames; i++) decoder.Decode(codec, bytes);
        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / frames;
        output.WriteLine($"{backend} {codec} 1242x375: {perFrame} managed bytes per frame");
        // The 1.4 MB of pixels land in reused memory either way. What is left is per image: OpenCV's Mat wrapper (measured
        // 104 bytes), stb_image's decoder state, managed objects in StbImageSharp (measured 38,368 bytes per JPEG, 16,512
        // per PNG); both also allocate their native output and work buffers per image.
        Assert.True(perFrame < (backend == CompressedImageBackend.Managed ? 48 * 1024 : 256), $"{perFrame} bytes per frame");
    }
}
