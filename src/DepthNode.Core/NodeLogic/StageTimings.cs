using System.Diagnostics;

namespace DepthNode.NodeLogic;

/// <summary>
/// Per-stage durations of the most recent frames, in fixed rings (no allocation per frame). Percentiles are computed
/// on demand — once per diagnostics period or at the end of a benchmark — into a reused scratch array.
/// </summary>
public sealed class StageTimings
{
    private static readonly int StageCount = Enum.GetValues<PipelineStage>().Length;
    private readonly double[][] _ms;
    private readonly long[] _written;
    private readonly double[] _scratch;
    private readonly object _gate = new();

    public StageTimings(int window = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _ms = new double[StageCount][];
        for (var i = 0; i < StageCount; i++) _ms[i] = new double[window];
        _written = new long[StageCount];
        _scratch = new double[window];
    }

    /// <summary>Records one duration measured with <see cref="Stopwatch.GetTimestamp"/> start/end ticks.</summary>
    public void Record(PipelineStage stage, long startTicks, long endTicks) =>
        RecordMs(stage, (endTicks - startTicks) * 1000.0 / Stopwatch.Frequency);

    public void RecordMs(PipelineStage stage, double ms)
    {
        lock (_gate)
        {
            var s = (int)stage;
            _ms[s][_written[s] % _ms[s].Length] = ms;
            _written[s]++;
        }
    }

    /// <summary>Samples held for a stage (at most the window).</summary>
    public int Count(PipelineStage stage)
    {
        lock (_gate) return (int)Math.Min(_written[(int)stage], _ms[(int)stage].Length);
    }

    /// <summary>The q-quantile (0..1, nearest rank) of the held samples, or NaN when there are none.</summary>
    public double Quantile(PipelineStage stage, double q)
    {
        lock (_gate)
        {
            var n = (int)Math.Min(_written[(int)stage], _ms[(int)stage].Length);
            if (n == 0) return double.NaN;
            var span = _scratch.AsSpan(0, n);
            _ms[(int)stage].AsSpan(0, n).CopyTo(span);
            span.Sort();
            var rank = (int)Math.Ceiling(q * n) - 1;
            return span[Math.Clamp(rank, 0, n - 1)];
        }
    }

    public double Median(PipelineStage stage) => Quantile(stage, 0.5);

    public void Clear()
    {
        lock (_gate) Array.Clear(_written);
    }
}
