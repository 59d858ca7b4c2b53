using DepthNode.Distill.Reports;

namespace DepthNode.Distill.Tests.Reports;

public sealed class MovingAverageTests
{
    /// <summary>The definition, directly: the mean of the finite values among points max(0, i−w+1) … i.</summary>
    private static double Reference(double[] values, int i, int window)
    {
        var finite = values[Math.Max(0, i - window + 1)..(i + 1)].Where(double.IsFinite).ToList();
        return finite.Count == 0 ? double.NaN : finite.Average();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(50)]
    public void Trailing_NoisyValuesWithGaps_EqualsTheMeanOfTheLastWindowPoints(int window)
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 300).Select(i => i % 37 == 5 ? double.NaN : 3 * Math.Exp(-i / 80.0) + random.NextDouble()).ToArray();
        values[10] = double.PositiveInfinity;

        var smoothed = MovingAverage.Trailing(values, window);

        Assert.Equal(values.Length, smoothed.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var expected = Reference(values, i, window);
            Assert.True(double.IsNaN(expected) ? double.IsNaN(smoothed[i]) : Math.Abs(smoothed[i] - expected) <= 1e-12, $"point {i}: {smoothed[i]} vs {expected}");
        }
    }

    [Fact]
    public void Trailing_OnlyGapsInTheWindow_NaNThere()
    {
        var smoothed = MovingAverage.Trailing([double.NaN, double.NaN, 4, double.NaN, double.NaN], 2);

        Assert.Equal([double.NaN, double.NaN, 4, 4, double.NaN], smoothed);
    }
}
