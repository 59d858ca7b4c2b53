using DepthNode.Depth;

namespace DepthNode.Core.Tests.Depth;

public class RobustLineFitMedianTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(2745)]
    public void Median_IsTheUpperMiddleOfTheSortedValues(int n)
    {
        var rng = new Random(n);
        // Many duplicates as well as distinct values: selection must not loop or lose elements on ties.
        var values = Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0 ? 1.5 : rng.NextDouble() * 100).ToArray();
        var sorted = values.Order().ToArray();
        Assert.Equal(sorted[n / 2], RobustLineFit.Median(values));
        Assert.Equal(sorted, values.Order().ToArray()); // a permutation of the input
    }
}
