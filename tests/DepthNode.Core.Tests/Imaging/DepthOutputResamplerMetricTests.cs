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
        var fit = new MetricFit(MetricSource.Fixed, FitStatus.Configured, scale, shift);

        var resized = new float[w * h];
        new DepthOutputResampler().Run(source, sw, sh, resized, w, h);
        var expected = new float[w * h];
        MetricDepthConverter.Apply(resized, kind, fit, expected, min, max);

        var fused = new float[w * h];
        var counts = new DepthOutputResampler().RunMetric(source, sw, sh, fused, w, h, fit, kind, min, max);
        Assert.Equal(2, counts.NonFiniteInputs);
        for (var i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(fused[i]), $"pixel {i}: expected NaN, got {fused[i]}");
            else Assert.Equal(expected[i], fused[i], Math.Abs(expected[i]) * 1e-5f);
        }
        Assert.Equal(expected.Count(float.IsNaN), counts.NaNOutputs);
    }

    [Fact]
    public void RunMetric_UnusableFit_GivesAllNaN()
    {
        var source = Enumerable.Repeat(1f, 16).ToArray();
        var output = new float[64];
        var counts = new DepthOutputResampler().RunMetric(source, 4, 4, output, 8, 8, new MetricFit(MetricSource.GroundPlane, FitStatus.Failed, double.NaN, double.NaN), DepthOutputKind.MetricDepth);
        Assert.All(output, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(64, counts.NaNOutputs);
    }
}
