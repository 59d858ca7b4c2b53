using DepthNode;
using DepthNode.Imaging;
using System.Runtime.InteropServices;
using DepthNode.Depth;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Core.Tests.Depth;

public class DepthEncodingTests
{
    [Fact]
    public void MillimetresToMetresToMillimetres_EveryUInt16Value_RoundTrips()
    {
        var mm = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var metres = new float[mm.Length];
        var back = new ushort[mm.Length];
        DepthEncoding.MillimetresToMetres(mm, 256, 256, 256, metres, 256);
        DepthEncoding.MetresToMillimetres(metres, 256, 256, 256, back, 256);
        Assert.True(float.IsNaN(metres[0]), "0 mm is invalid → NaN (REP 118)");
        Assert.Equal(1.234f, metres[1234], 1e-6f);
        Assert.Equal(mm, back);
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.NegativeInfinity, 0)]
    [InlineData(-1f, 0)]
    [InlineData(0f, 0)]
    [InlineData(0.0004f, 0)]      // rounds to 0 mm: not representable, so invalid
    [InlineData(0.0006f, 1)]
    [InlineData(1.2344f, 1234)]
    [InlineData(1.2346f, 1235)]   // nearest millimetre
    [InlineData(65.535f, 65535)]
    [InlineData(65.5356f, 0)]     // rounds to 65536 mm, beyond 16 bits: invalid by default, never a wrong distance
    [InlineData(float.PositiveInfinity, 0)]
    public void MetresToMillimetres_EdgeCases(float metres, int expected)
    {
        Assert.Equal(expected, DepthEncoding.ToMillimetres(metres));
        // The vector path (16 at a time) must agree with the scalar rule.
        var row = Enumerable.Repeat(metres, 40).ToArray();
        var dst = new ushort[40];
        DepthEncoding.MetresToMillimetres(row, 40, 1, 40, dst, 40);
        Assert.All(dst, d => Assert.Equal(expected, d));
    }

    [Theory]
    [InlineData(65.6f, 65535)]
    [InlineData(float.PositiveInfinity, 65535)]
    [InlineData(float.NaN, 0)]
    [InlineData(3f, 3000)]
    public void MetresToMillimetres_ClampPolicy_KeepsFarAsMaximum(float metres, int expected)
    {
        var row = Enumerable.Repeat(metres, 33).ToArray();
        var dst = new ushort[33];
        DepthEncoding.MetresToMillimetres(row, 33, 1, 33, dst, 33, FarDepthPolicy.Clamp);
        Assert.All(dst, d => Assert.Equal(expected, d));
    }

    [Fact]
    public void MetresToMillimetres_RandomDepths_MatchDoubleRounding()
    {
        // Reference: round half away from zero in double precision, kept away from exact halves so float rounding of
        // the input cannot flip the result.
        var rng = new Random(42);
        const int width = 77, height = 9, srcStride = 80, dstStride = 81;
        var src = new float[srcStride * height];
        for (var k = 0; k < src.Length; k++)
        {
            var mm = rng.Next(1, 70000) + (rng.NextDouble() * 0.8 + 0.1) * (rng.Next(2) == 0 ? 1 : -1) * 0.5;
            src[k] = (float)(mm / 1000);
        }
        var dst = Enumerable.Repeat((ushort)7, dstStride * height).ToArray(); // padding must be left alone
        DepthEncoding.MetresToMillimetres(src, width, height, srcStride, dst, dstStride);
        for (var v = 0; v < height; v++)
        for (var u = 0; u < dstStride; u++)
        {
            var actual = dst[v * dstStride + u];
            if (u >= width) { Assert.Equal(7, actual); continue; }
            var mm = Math.Round((double)src[v * srcStride + u] * 1000, MidpointRounding.AwayFromZero);
            Assert.Equal(mm > 65535 || mm < 1 ? 0 : (int)mm, actual);
        }
    }

    [Fact]
    public void MillimetresToMetres_RealSun3dDepth_MatchesOpenCvScaling()
    {
        // Real Kinect-style depth (SUN3D, 16-bit PNG in millimetres, 0 = no measurement).
        using var png = Cv2.ImRead(SharedData.Path("data", "sun3d_fragment1", "frame-000935.depth.png"), ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, png.Type());
        var (w, h) = (png.Width, png.Height);
        var raw = new short[w * h];
        Marshal.Copy(png.Data, raw, 0, raw.Length);
        var mm = MemoryMarshal.Cast<short, ushort>(raw).ToArray();
        using var reference = new Mat();
        png.ConvertTo(reference, MatType.CV_32FC1, 0.001);
        var expected = new float[w * h];
        Marshal.Copy(reference.Data, expected, 0, expected.Length);

        var metres = new float[w * h];
        DepthEncoding.MillimetresToMetres(mm, w, h, w, metres, w);
        var zeros = 0;
        for (var k = 0; k < metres.Length; k++)
        {
            if (mm[k] == 0) { Assert.True(float.IsNaN(metres[k])); zeros++; continue; }
            Assert.Equal(expected[k], metres[k], 1e-6f);
        }
        Assert.InRange(zeros, 1, w * h / 4);
        var back = new ushort[w * h];
        DepthEncoding.MetresToMillimetres(metres, w, h, w, back, w);
        Assert.Equal(mm, back);
    }

    [Fact]
    public void Conversions_BadSizes_ThrowClearErrors()
    {
        var e = Assert.Throws<ImageFormatException>(() => DepthEncoding.MetresToMillimetres(new float[10], 5, 3, 5, new ushort[10], 5));
        Assert.Equal("32FC1 source data: holds 10 elements, 5x3 with row_stride 5 needs 15 (truncated?)", e.Message);
        e = Assert.Throws<ImageFormatException>(() => DepthEncoding.MillimetresToMetres(new ushort[15], 5, 3, 4, new float[15], 5));
        Assert.Equal(("16UC1 source", "row_stride"), (e.Image, e.Field));
        e = Assert.Throws<ImageFormatException>(() => DepthEncoding.MillimetresToMetres(new ushort[15], 0, 3, 5, new float[15], 5));
        Assert.Equal(("width", DataErrorKind.Invalid), (e.Field, e.ErrorKind));
    }

    [Fact]
    public void Conversions_SteadyState_AllocateNothing()
    {
        var metres = new float[1242 * 375];
        var mm = new ushort[1242 * 375];
        DepthEncoding.MetresToMillimetres(metres, 1242, 375, 1242, mm, 1242);
        DepthEncoding.MillimetresToMetres(mm, 1242, 375, 1242, metres, 1242);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++)
        {
            DepthEncoding.MetresToMillimetres(metres, 1242, 375, 1242, mm, 1242);
            DepthEncoding.MillimetresToMetres(mm, 1242, 375, 1242, metres, 1242);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
