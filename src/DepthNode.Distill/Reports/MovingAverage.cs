namespace DepthNode.Distill.Reports;

/// <summary>
/// Trailing moving average for the report's curves: point i is the mean of the finite values among the last
/// <c>window</c> points up to i (fewer at the start), so a smoothed curve never looks ahead of the step it is drawn at.
/// </summary>
public static class MovingAverage
{
    /// <summary>About 1/20 of the run, at least 1 and at most 200 steps: visible smoothing on short and long runs.</summary>
    public static int DefaultWindow(int count) => Math.Clamp(count / 20, 1, 200);

    public static double[] Trailing(IReadOnlyList<double> values, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var result = new double[values.Count];
        double sum = 0;
        var finite = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsFinite(values[i])) { sum += values[i]; finite++; }
            if (i >= window && double.IsFinite(values[i - window])) { sum -= values[i - window]; finite--; }
            result[i] = finite > 0 ? sum / finite : double.NaN;
        }
        return result;
    }
}
