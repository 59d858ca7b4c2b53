using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class LatencyHistogramTests
{
    [Fact]
    public void Quantile_WithinOneBinAboveTheSortedSamples()
    {
        var h = new LatencyHistogram();
        var rng = new Random(3);
        var samples = Enumerable.Range(0, 5000).Select(_ => 20 + rng.NextDouble() * rng.NextDouble() * 300).ToArray();
        foreach (var s in samples) h.Record(s);
        var sorted = samples.Order().ToArray();
        foreach (var q in new[] { 0.5, 0.9, 0.99 })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
            var got = h.Quantile(q);
            Assert.InRange(got - exact, 0, LatencyHistogram.BinMs);
        }
        Assert.Equal(5000, h.Count);
    }

    [Fact]
    public void Quantile_OverflowIsInfinityAndEmptyIsNaN()
    {
        var h = new LatencyHistogram();
        Assert.True(double.IsNaN(h.Quantile(0.5)));
        h.Record(10);
        h.Record(5000);
        Assert.Equal(10.25, h.Quantile(0.5));
        Assert.Equal(double.PositiveInfinity, h.Quantile(0.99));
        h.Clear();
        Assert.True(double.IsNaN(h.Quantile(0.5)));
    }

    [Fact]
    public void Record_AllocatesNothing()
    {
        var h = new LatencyHistogram();
        h.Record(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) h.Record(i * 0.37);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
