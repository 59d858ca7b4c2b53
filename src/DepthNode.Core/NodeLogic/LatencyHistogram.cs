namespace DepthNode.NodeLogic;

/// <summary>
/// Latencies in fixed bins (0.25 ms wide up to 4 s, then one overflow bin): recording is one atomic increment, so the
/// frame path allocates nothing and never waits, and percentiles come from the counts at report time. A percentile is
/// reported as the upper edge of its bin, never lower than the true value by more than one bin.
/// </summary>
public sealed class LatencyHistogram
{
    public const double BinMs = 0.25;
    private const int Bins = 16_000; // 4 s
    private readonly long[] _counts = new long[Bins + 1];
    private long _total;

    public long Count => Interlocked.Read(ref _total);

    public void Record(double ms)
    {
        var bin = double.IsNaN(ms) || ms < 0 ? 0 : ms >= Bins * BinMs ? Bins : (int)(ms / BinMs);
        Interlocked.Increment(ref _counts[bin]);
        Interlocked.Increment(ref _total);
    }

    /// <summary>The q-quantile (nearest rank, 0..1) in ms: the upper edge of the bin holding it; +∞ in the overflow
    /// bin, NaN without samples.</summary>
    public double Quantile(double q)
    {
        long total = 0;
        for (var i = 0; i < _counts.Length; i++) total += Interlocked.Read(ref _counts[i]);
        if (total == 0) return double.NaN;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank) return i == Bins ? double.PositiveInfinity : (i + 1) * BinMs;
        }
        return double.PositiveInfinity;
    }

    public void Clear()
    {
        for (var i = 0; i < _counts.Length; i++) Interlocked.Exchange(ref _counts[i], 0);
        Interlocked.Exchange(ref _total, 0);
    }
}
