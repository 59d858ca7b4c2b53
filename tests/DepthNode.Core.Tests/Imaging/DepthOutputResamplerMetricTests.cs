using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Inference;

namespace DepthNode.Core.Tests.Imaging;

public class DepthOutputResamplerMetricTests
{
    [Theory]
    [InlineData(DepthOutputKind.MetricDepth, 2.5, 0.0, 0f, float.PositiveInfinity)]
    [InlineData(DepthOutputKind.RelativeDepth, 1.5, 0.3, 0.5f, 20f)]
    [InlineData(DepthOutputKind.RelativeDisparity, 0.02, -0.001, 0f, 80f)]
    public void RunMetric_EqualsResizeThenConvert(DepthOutputKind kind, double scale, double shift, float min, float max)
    {
        const int sw = 37, sh = 23, w = 301, h = 97;
        var rng = new Random(11);
        var source = Enumerable.Range(0, sw * sh).Select(_ => (float)(rng.NextDouble() * 20 + 0.2)).ToArray();
        source[5 * sw + 7] = float.NaN;
        source[17 * sw + 30] = float.PositiveInfinity;
        var mapping = MetricMapping.For(new MetricFit(MetricSource.Fixed, FitStatus.Configured, scale, shift), kind, min, max);

        var resized = new float[w * h];
        new DepthOutputResampler().Run(source, sw, sh, resized, w, h);
        var expected = new float[w * h];
        mapping.Apply(resized, expected);

        var fused = new float[w * h];
        var counts = new DepthOutputResampler().RunMetric(source, sw, sh, fused, w, h, mapping);
        Assert.Equal(2, counts.NonFiniteInputs);
        for (var i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(fused[i]), $"pixel {i}: expected NaN, got {fused[i]}");
            else Assert.Equal(expected[i], fused[i], Math.Abs(expected[i]) * 1e-5f);
        }
        Assert.Equal(expected.Count(float.IsNaN), counts.NaNOutputs);
    }

    [Theory]
    [InlineData(3, 2, 100, 7)]     // runs of ~33 output pixels per source interval
    [InlineData(50, 9, 20, 4)]     // shrinking: most source columns start no run
    [InlineData(224, 224, 1242, 375)]
    [InlineData(5, 5, 9, 9)]       // rows too short for a whole vector past the first runs
    public void Run_MatchesStraightforwardBilinear(int sw, int sh, int w, int h)
    {
        var rng = new Random(sw * 31 + w);
        var source = Enumerable.Range(0, sw * sh).Select(_ => (float)(rng.NextDouble() * 10)).ToArray();
        source[rng.Next(source.Length)] = float.NaN;
        var output = new float[w * h];
        new DepthOutputResampler().Run(source, sw, sh, output, w, h);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var expected = Bilinear(source, sw, sh, (x + 0.5) * sw / w - 0.5, (y + 0.5) * sh / h - 0.5);
                var actual = output[y * w + x];
                if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"({x},{y}) expected NaN, got {actual}");
                else Assert.Equal(expected, actual, 1e-4f);
            }
    }

    // OpenCV INTER_LINEAR semantics written out directly: half-pixel centres, clamped edges, a tap of weight 0 ignored.
    private static float Bilinear(float[] s, int sw, int sh, double fx, double fy)
    {
        static (int I0, int I1, double F) Taps(double c, int n)
        {
            var i0 = (int)Math.Floor(c);
            var f = c - i0;
            if (i0 < 0) return (0, 0, 0);
            if (i0 >= n - 1) return (n - 1, n - 1, 0);
            return f == 0 ? (i0, i0, 0) : (i0, i0 + 1, f);
        }
        var (x0, x1, ax) = Taps(fx, sw);
        var (y0, y1, ay) = Taps(fy, sh);
        double At(int x, int y) => s[y * sw + x];
        var top = At(x0, y0) + ax * (At(x1, y0) - At(x0, y0));
        var bottom = At(x0, y1) + ax * (At(x1, y1) - At(x0, y1));
        var v = top + ay * (bottom - top);
        return double.IsFinite(v) ? (float)v : float.NaN;
    }

    [Fact]
    public void RunMetric_UnusableFit_GivesAllNaN()
    {
        var source = Enumerable.Repeat(1f, 16).ToArray();
        var output = new float[64];
        var counts = new DepthOutputResampler().RunMetric(source, 4, 4, output, 8, 8,
            MetricMapping.For(new MetricFit(MetricSource.GroundPlane, FitStatus.Failed, double.NaN, double.NaN), DepthOutputKind.MetricDepth));
        Assert.All(output, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(64, counts.NaNOutputs);
    }
}
