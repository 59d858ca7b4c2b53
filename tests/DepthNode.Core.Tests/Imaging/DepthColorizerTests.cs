using DepthNode.Imaging;
using OpenCvSharp;

namespace DepthNode.Core.Tests.Imaging;

public class DepthColorizerTests
{
    // Google's published Turbo table (turbo_colormap.py / the 2019 blog post), entries 0 and 255 as sRGB floats:
    // (0.18995, 0.07176, 0.23217) and (0.47960, 0.01583, 0.01055), i.e. rgb8 (48, 18, 59) and (122, 4, 3).
    // The degree-5 polynomial approximation is furthest from the table at the ends: 32/255 on blue at 0, 22/255 on red at 1.
    private const int EndpointTolerance = 33;

    private static byte[] Colorize(DepthColorizerOptions options, float[] depth, int width, out (float Min, float Max) range)
    {
        var rgb = new byte[depth.Length * 3];
        range = new DepthColorizer(options).Colorize(depth, width, depth.Length / width, width, rgb, width * 3);
        return rgb;
    }

    [Fact]
    public void Turbo_Endpoints_MatchPublishedValuesWithinTheApproximationError()
    {
        var lut = DepthColorizer.Turbo;
        Assert.Equal(768, lut.Length);
        Assert.InRange(Math.Abs(lut[0] - 48), 0, EndpointTolerance);
        Assert.InRange(Math.Abs(lut[1] - 18), 0, EndpointTolerance);
        Assert.InRange(Math.Abs(lut[2] - 59), 0, EndpointTolerance);
        Assert.InRange(Math.Abs(lut[765] - 122), 0, EndpointTolerance);
        Assert.InRange(Math.Abs(lut[766] - 4), 0, EndpointTolerance);
        Assert.InRange(Math.Abs(lut[767] - 3), 0, EndpointTolerance);
        // Shape: blue early in the ramp, dark red at the far end, green in the middle.
        Assert.True(lut[3 * 16 + 2] > lut[3 * 16] && lut[765] > lut[767]);
        Assert.True(lut[3 * 128 + 1] > 200);
    }

    [Fact]
    public void Turbo_WholeRamp_TracksOpenCvTurboTable()
    {
        // OpenCV's COLORMAP_TURBO is the published 256-entry table: an independent implementation to compare against.
        using var ramp = new Mat(1, 256, MatType.CV_8UC1);
        for (var i = 0; i < 256; i++) ramp.Set(0, i, (byte)i);
        using var bgr = new Mat();
        Cv2.ApplyColorMap(ramp, bgr, ColormapTypes.Turbo);
        var lut = DepthColorizer.Turbo;
        double total = 0;
        for (var i = 0; i < 256; i++)
        {
            var c = bgr.Get<Vec3b>(0, i);
            int[] diffs = [Math.Abs(c.Item2 - lut[3 * i]), Math.Abs(c.Item1 - lut[3 * i + 1]), Math.Abs(c.Item0 - lut[3 * i + 2])];
            Assert.True(diffs.Max() <= 32, $"entry {i}: OpenCV ({c.Item2},{c.Item1},{c.Item0}) ours ({lut[3 * i]},{lut[3 * i + 1]},{lut[3 * i + 2]})");
            total += diffs.Sum();
        }
        Assert.True(total / 768 < 8, $"mean error {total / 768:F1} counts");
    }

    [Fact]
    public void Colorize_FixedRange_MapsEndsAndInvalidToBlack()
    {
        float[] depth = [2f, 10f, 6f, float.NaN, float.PositiveInfinity, 0f, -1f, 1f, 20f];
        var rgb = Colorize(new() { MinDepth = 2, MaxDepth = 10 }, depth, 9, out var range);
        Assert.Equal((2f, 10f), range);
        var lut = DepthColorizer.Turbo;
        Assert.Equal(lut[..3].ToArray(), rgb[0..3]);          // min → t = 0
        Assert.Equal(lut[765..].ToArray(), rgb[3..6]);        // max → t = 1
        Assert.Equal(lut[(3 * 128)..(3 * 128 + 3)].ToArray(), rgb[6..9]); // midpoint → entry 127.5 + 0.5 = 128
        for (var k = 3; k <= 6; k++) Assert.Equal([0, 0, 0], rgb[(3 * k)..(3 * k + 3)]);
        Assert.Equal(lut[..3].ToArray(), rgb[21..24]);        // below range clamps to the near colour
        Assert.Equal(lut[765..].ToArray(), rgb[24..27]);      // beyond range clamps to the far colour
    }

    [Fact]
    public void Colorize_InverseDepth_NearIsTheFarEndOfTheRamp()
    {
        float[] depth = [1f, 4f, 1.6f];
        var rgb = Colorize(new() { MinDepth = 1, MaxDepth = 4, InverseDepth = true }, depth, 3, out _);
        var lut = DepthColorizer.Turbo;
        Assert.Equal(lut[765..].ToArray(), rgb[0..3]);
        Assert.Equal(lut[..3].ToArray(), rgb[3..6]);
        // 1/1.6 = 0.625 lies at (0.625 - 0.25)/(1 - 0.25) = 0.5 of the inverse range.
        Assert.Equal(lut[(3 * 128)..(3 * 128 + 3)].ToArray(), rgb[6..9]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Colorize_WideImage_EveryPixelHasTheColorOfItsRampPosition(bool inverse)
    {
        var rng = new Random(7);
        var depth = Enumerable.Range(0, 3 * 1001).Select(_ => rng.Next(20) == 0 ? float.NaN : (float)(0.5 + rng.NextDouble() * 100)).ToArray();
        var rgb = Colorize(new() { MinDepth = 1, MaxDepth = 90, InverseDepth = inverse }, depth, 1001, out _);
        var lut = DepthColorizer.Turbo.ToArray();
        for (var k = 0; k < depth.Length; k++)
        {
            var d = (double)depth[k];
            var pixel = rgb[(3 * k)..(3 * k + 3)];
            if (double.IsNaN(d)) { Assert.Equal([0, 0, 0], pixel); continue; }
            var t = inverse ? (1 / d - 1 / 90.0) / (1 / 1.0 - 1 / 90.0) : (d - 1) / 89.0;
            var index = (int)Math.Round(Math.Clamp(t, 0, 1) * 255);
            // Float arithmetic may land on the neighbouring entry when t·255 is within rounding of a half.
            var matches = Enumerable.Range(Math.Max(0, index - 1), Math.Min(255, index + 1) - Math.Max(0, index - 1) + 1)
                .Any(i => lut[3 * i] == pixel[0] && lut[3 * i + 1] == pixel[1] && lut[3 * i + 2] == pixel[2]);
            Assert.True(matches, $"pixel {k}: depth {d} expected near entry {index}");
        }
    }

    [Fact]
    public void Colorize_AutoRange_IgnoresOutliersBeyondPercentiles()
    {
        // 1000 depths spread evenly over 1..100 m plus 10 outliers at 5000 m and a NaN: the 2nd..98th percentile is
        // about 3..98 m, whatever the outliers are.
        var depth = Enumerable.Range(0, 1000).Select(i => 1f + i * 99f / 999f)
            .Concat(Enumerable.Repeat(5000f, 10)).Append(float.NaN).ToArray();
        Colorize(new(), depth, depth.Length, out var range);
        Assert.InRange(range.Min, 2.5f, 3.5f);
        Assert.InRange(range.Max, 97f, 100f);
    }

    [Fact]
    public void Colorize_AllInvalid_IsBlack()
    {
        var depth = Enumerable.Repeat(float.NaN, 12).ToArray();
        var rgb = Colorize(new(), depth, 4, out var range);
        Assert.True(float.IsNaN(range.Min));
        Assert.All(rgb, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Colorize_PaddedRows_LeavesPaddingAlone()
    {
        var depth = new float[] { 1, 2, 3, -5, 4, 5, 6, -5 }; // 3×2 image, row stride 4
        var rgb = Enumerable.Repeat((byte)9, 2 * 11).ToArray(); // row stride 11 bytes: 2 padding bytes per row
        new DepthColorizer(new() { MinDepth = 1, MaxDepth = 6 }).Colorize(depth, 3, 2, 4, rgb, 11);
        Assert.Equal([9, 9], rgb[9..11]);
        Assert.Equal([9, 9], rgb[20..22]);
        Assert.Equal(DepthColorizer.Turbo[765..].ToArray(), rgb[17..20]);
    }

    [Fact]
    public void Colorize_SteadyState_AllocatesNothing()
    {
        var depth = Enumerable.Range(0, 1242 * 375).Select(i => 1f + i % 997 * 0.1f).ToArray();
        var rgb = new byte[depth.Length * 3];
        var auto = new DepthColorizer();
        var fixedRange = new DepthColorizer(new() { MinDepth = 1, MaxDepth = 80, InverseDepth = true });
        auto.Colorize(depth, 1242, 375, 1242, rgb, 1242 * 3);
        fixedRange.Colorize(depth, 1242, 375, 1242, rgb, 1242 * 3); // steady state: after each instance's first frame
        // Rounds of three frames each: a per-frame allocation shows in every round, while the runtime's own one-off
        // work on this thread (seen once under load: 8040 B while the JIT tiered the kernels up) shows in one at most.
        var rounds = new long[4];
        for (var r = 0; r < rounds.Length; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 3; i++)
            {
                auto.Colorize(depth, 1242, 375, 1242, rgb, 1242 * 3);
                fixedRange.Colorize(depth, 1242, 375, 1242, rgb, 1242 * 3);
            }
            rounds[r] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(rounds.Count(b => b == 0) >= rounds.Length - 1, $"bytes allocated per round: {string.Join(", ", rounds)}");
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DepthColorizer(new() { MinDepth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DepthColorizer(new() { MinDepth = 5, MaxDepth = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DepthColorizer(new() { LowPercentile = 0.9f, HighPercentile = 0.1f }));
        var e = Assert.Throws<ImageFormatException>(() => new DepthColorizer().Colorize(new float[4], 2, 2, 2, new byte[5], 6));
        Assert.Equal("rgb8 data: holds 5 elements, 2x2 with row_stride 6 needs 12 (truncated?)", e.Message);
    }
}
