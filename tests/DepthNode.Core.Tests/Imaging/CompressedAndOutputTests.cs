using DepthNode;
using DepthNode.Imaging;
using DepthNode.Messages;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Core.Tests.Imaging;

public class CompressedImageDecoderTests
{
    private static Mat Frame() => Cv2.ImRead(SharedData.Path("data", "sun3d_fragment1", "frame-000950.color.png"));

    [Theory]
    [InlineData(".png", "png")]
    [InlineData(".png", "rgb8; png compressed bgr8")]
    [InlineData(".jpg", "jpeg")]
    [InlineData(".jpg", "bgr8; jpeg compressed bgr8")]
    public void Decode_RealFrame_GivesBgr8ViewEqualToOpenCvDecode(string ext, string format)
    {
        using var bgr = Frame();
        Cv2.ImEncode(ext, bgr, out var bytes);
        using var expected = Cv2.ImDecode(bytes, ImreadModes.Color);
        using var decoder = new CompressedImageDecoder();
        var view = decoder.Decode(new CompressedImage(Header.Empty, format, bytes));
        Assert.Equal(PixelEncoding.Bgr8, view.Encoding);
        Assert.Equal((640, 480), (view.Width, view.Height));
        expected.GetArray(out Vec3b[] px);
        for (var y = 0; y < 480; y += 7)
            for (var x = 0; x < 640; x += 5)
            {
                var p = px[y * 640 + x];
                var row = view.Row(y);
                Assert.Equal((p.Item0, p.Item1, p.Item2), (row[3 * x], row[3 * x + 1], row[3 * x + 2]));
            }
        if (ext == ".png") Assert.Equal(bgr.At<Vec3b>(100, 200), expected.At<Vec3b>(100, 200));
    }

    [Fact]
    public void Decode_SixteenBitPng_IsMono16()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data", "sun3d_fragment1", "frame-000950.depth.png"));
        using var decoder = new CompressedImageDecoder();
        var view = decoder.Decode("png", bytes);
        Assert.Equal(PixelEncoding.Mono16, view.Encoding);
        using var m = Cv2.ImRead(SharedData.Path("data", "sun3d_fragment1", "frame-000950.depth.png"), ImreadModes.Unchanged);
        var v = BitConverter.ToUInt16(view.Row(240).Slice(2 * 320, 2));
        Assert.Equal(m.At<ushort>(240, 320), v);
    }

    [Theory]
    [InlineData("tiff", "format")]
    [InlineData("16UC1; compressedDepth png", "format")]
    [InlineData("jpeg", "data")]
    public void Decode_BadInput_NamesField_AndNextFrameDecodes(string format, string field)
    {
        using var decoder = new CompressedImageDecoder();
        var e = Assert.Throws<ImageFormatException>(() => decoder.Decode(format, new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Equal(field, e.Field);
        using var bgr = Frame();
        Cv2.ImEncode(".jpg", bgr, out var ok);
        Assert.Equal(640, decoder.Decode("jpeg", ok).Width);
    }
}

public class DepthOutputResamplerTests
{
    private static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(0.5 + 9 * r.NextDouble())).ToArray();
    }

    [Theory]
    [InlineData(224, 224, 640, 480)]
    [InlineData(224, 224, 1242, 375)]
    [InlineData(1722, 518, 1242, 375)]
    [InlineData(3, 2, 7, 5)]
    public void Bilinear_MatchesOpenCvInterLinear(int sw, int sh, int dw, int dh)
    {
        var src = Random(sw * sh, sw + dh);
        using var s = Mat.FromPixelData(sh, sw, MatType.CV_32FC1, src);
        using var d = new Mat();
        Cv2.Resize(s, d, new Size(dw, dh), 0, 0, InterpolationFlags.Linear);
        d.GetArray(out float[] expected);
        var ours = new float[dw * dh];
        var counts = new DepthOutputResampler().Run(src, sw, sh, ours, dw, dh);
        Assert.Equal(new ResampleCounts(0, 0), counts);
        for (var i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - expected[i]) < 1e-4, $"{i}: {ours[i]} vs {expected[i]}");
    }

    [Fact]
    public void NonFiniteOutput_BecomesNaNOnlyWhereItContributes_AndIsCounted()
    {
        const int sw = 224, sh = 224, dw = 640, dh = 480;
        var src = Random(sw * sh, 3);
        src[100 * sw + 50] = float.NaN;
        src[10 * sw + 200] = float.PositiveInfinity;
        src[223 * sw + 223] = float.NegativeInfinity;
        var ours = new float[dw * dh];
        var resampler = new DepthOutputResampler();
        var counts = resampler.Run(src, sw, sh, ours, dw, dh);
        Assert.Equal(3, counts.NonFiniteInputs);
        Assert.Equal(ours.Count(float.IsNaN), counts.NaNOutputs);
        Assert.DoesNotContain(ours, float.IsInfinity);

        // OpenCV with the same source: every pixel OpenCV computes finite must match ours; OpenCV also poisons pixels
        // that give the bad value zero weight, so its NaN/Inf set may be larger but must contain ours.
        using var s = Mat.FromPixelData(sh, sw, MatType.CV_32FC1, src);
        using var d = new Mat();
        Cv2.Resize(s, d, new Size(dw, dh), 0, 0, InterpolationFlags.Linear);
        d.GetArray(out float[] expected);
        for (var i = 0; i < ours.Length; i++)
        {
            if (float.IsNaN(ours[i])) Assert.False(float.IsFinite(expected[i]), $"pixel {i} NaN here, {expected[i]} in OpenCV");
            else if (float.IsFinite(expected[i])) Assert.True(Math.Abs(ours[i] - expected[i]) < 1e-4);
        }
        // Each bad value touches about (640/224)·(480/224) ≈ 6 output pixels in each direction: a few dozen in all.
        Assert.InRange(counts.NaNOutputs, 6, 100);

        // The next frame is clean again.
        Assert.Equal(new ResampleCounts(0, 0), resampler.Run(Random(sw * sh, 4), sw, sh, ours, dw, dh));
        Assert.DoesNotContain(ours, float.IsNaN);
    }

    [Fact]
    public void TooSmallDestination_IsRejected()
    {
        var e = Assert.Throws<ImageFormatException>(() => new DepthOutputResampler().Run(new float[4], 2, 2, new float[5], 3, 2));
        Assert.Equal(("destination", "data", DataErrorKind.Truncated), (e.Image, e.Field, e.ErrorKind));
        e = Assert.Throws<ImageFormatException>(() => new DepthOutputResampler().Run(new float[3], 2, 2, new float[6], 3, 2));
        Assert.Equal(("source", "data", DataErrorKind.Truncated), (e.Image, e.Field, e.ErrorKind));
    }
}
