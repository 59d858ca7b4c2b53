using DepthNode.Imaging;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Core.Tests.Imaging;

public class CompressedImageHeaderTests
{
    public static TheoryData<string[]> RealFiles => new()
    {
        new[] { "data", "nyu", "rgb_00000.jpg" },
        new[] { "data", "nyu", "rgb_00100.jpg" },
        new[] { "data", "7scenes_redkitchen", "frame-000000.color.jpg" },
        new[] { "data", "7scenes_redkitchen", "frame-000002.color.jpg" },
        new[] { "data", "kitti", "raw_depth_gt", "rgb", "0000000005.png" },
        new[] { "data", "sun3d_fragment1", "frame-000950.depth.png" },
    };

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void ReadSize_RealFiles_EqualsOpenCvDecodedSize(string[] path)
    {
        var file = SharedData.Path(path);
        var bytes = File.ReadAllBytes(file);
        using var decoded = Cv2.ImDecode(bytes, ImreadModes.Unchanged);
        Assert.Equal((decoded.Width, decoded.Height), CompressedImageHeader.ReadSize(file.EndsWith(".png") ? "png" : "jpeg", bytes));
    }

    // The frame header's height and width, found by the test itself: the first FF C0 or FF C2 marker.
    private static int FrameHeader(byte[] jpeg)
    {
        for (var i = 2; i < jpeg.Length - 1; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2) return i + 2;
        throw new InvalidDataException("no SOF0/SOF2 marker");
    }

    [Fact]
    public void Decode_JpegClaimingAGigapixelImage_IsRefusedBeforeDecoding()
    {
        var jpeg = File.ReadAllBytes(SharedData.Path("data", "nyu", "rgb_00000.jpg"));
        var sof = FrameHeader(jpeg);
        jpeg[sof + 3] = 0xFD; jpeg[sof + 4] = 0xE8; // height 65000
        jpeg[sof + 5] = 0xFD; jpeg[sof + 6] = 0xE8; // width 65000
        using var decoder = new CompressedImageDecoder();
        var e = Assert.Throws<ImageFormatException>(() => decoder.Decode("jpeg", jpeg));
        Assert.Equal(DataErrorKind.TooLarge, e.ErrorKind);
        Assert.StartsWith("jpeg height: size 65000x65000 exceeds the limit", e.Message);
    }

    [Fact]
    public void ReadSize_JpegCutBeforeItsFrameHeader_IsTruncated()
    {
        var jpeg = File.ReadAllBytes(SharedData.Path("data", "nyu", "rgb_00000.jpg"));
        var e = Assert.Throws<ImageFormatException>(() => CompressedImageHeader.ReadSize("jpeg", jpeg.AsSpan(0, FrameHeader(jpeg) + 4)));
        Assert.Equal((DataErrorKind.Truncated, "data"), (e.ErrorKind, e.Field));
    }

    [Theory]
    [InlineData(1920, 1080, 4)]
    [InlineData(640, 480, 2)]
    [InlineData(1242, 375, 1)]   // 375 / 2 = 188 rows < 224
    [InlineData(4000, 3000, 8)]
    [InlineData(1793, 1793, 8)]  // ceil(1793 / 8) = 225
    [InlineData(1791, 1791, 4)]  // ceil(1791 / 8) = 224 rows < 225
    public void ReductionFactor_KeepsAtLeastTheNetworkInput(int width, int height, int expected) =>
        Assert.Equal(expected, CompressedImageDecoder.ReductionFactor(width, height, 224, 225));

    [Theory]
    [InlineData("nyu", "rgb_00000.jpg", 2)]
    [InlineData("7scenes_redkitchen", "frame-000001.color.jpg", 2)]
    public void Decode_RealJpegForASmallNetwork_IsOpenCvsReducedDecode_CloseToAnAreaShrink(string folder, string name, int factor)
    {
        var jpeg = File.ReadAllBytes(SharedData.Path("data", folder, name));
        using var decoder = new CompressedImageDecoder();
        var view = decoder.Decode("jpeg", jpeg, (_, _) => (224, 224));
        using var full = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal((full.Width, full.Height), decoder.DeclaredSize);
        Assert.Equal((full.Width / factor, full.Height / factor), (view.Width, view.Height));

        // Exactly what OpenCV's reduced decode gives...
        using var reduced = Cv2.ImDecode(jpeg, (ImreadModes)((int)ImreadModes.ReducedColor2 | (int)ImreadModes.IgnoreOrientation));
        // ...and close to the full decode shrunk by an area filter: DCT scaling averages the same pixels.
        using var shrunk = new Mat();
        Cv2.Resize(full, shrunk, new Size(view.Width, view.Height), 0, 0, InterpolationFlags.Area);
        reduced.GetArray(out Vec3b[] exact);
        shrunk.GetArray(out Vec3b[] area);
        double sum = 0;
        for (var y = 0; y < view.Height; y++)
        {
            var row = view.Row(y);
            for (var x = 0; x < view.Width; x++)
            {
                var p = exact[y * view.Width + x];
                Assert.Equal((p.Item0, p.Item1, p.Item2), (row[3 * x], row[3 * x + 1], row[3 * x + 2]));
                var q = area[y * view.Width + x];
                sum += Math.Abs(row[3 * x] - q.Item0) + Math.Abs(row[3 * x + 1] - q.Item1) + Math.Abs(row[3 * x + 2] - q.Item2);
            }
        }
        var meanAbs = sum / (3.0 * view.Width * view.Height);
        Assert.True(meanAbs < 1.5, $"mean |reduced − area shrink| = {meanAbs:0.00} levels");
    }

    [Fact]
    public void Decode_Png_IsNeverReduced()
    {
        var png = File.ReadAllBytes(SharedData.Path("data", "kitti", "raw_depth_gt", "rgb", "0000000005.png"));
        using var decoder = new CompressedImageDecoder();
        var view = decoder.Decode("png", png, (_, _) => (16, 16));
        Assert.Equal((1242, 375), (view.Width, view.Height));
    }
}
