using DepthNode.Distill.Losses;
using DepthNode.Distill.Training;

namespace DepthNode.Distill.Tests.Reports;

/// <summary>A metrics.csv written by the real <see cref="MetricsLog"/> from known rows (a decaying, noisy loss).</summary>
internal static class MetricsCsv
{
    public static StepRecord Record(int step, Random random)
    {
        var noise = random.NextDouble() - 0.5;
        var (sc, lg, grad, anchor) = (1.0 / Math.Sqrt(step) + 0.2 * noise, 0.8 / Math.Sqrt(step) + 0.1 * noise, 0.5 + 0.05 * noise, 0.3 * random.NextDouble());
        var metrics = new StepMetrics(step, sc + 0.5 * lg + 2 * grad + 0.01 * anchor, sc, lg, 0, grad, anchor,
            new OutputStatistics(2 + noise, 0.5), new OutputStatistics(2.1, 0.6), 3 + noise, 5e-6 * (1 - step / 1000.0), 5e-5 * (1 - step / 1000.0))
        {
            ForwardSeconds = 0.4 + 0.1 * random.NextDouble(),
            BackwardSeconds = 0.6 + 0.1 * random.NextDouble(),
        };
        return new StepRecord(metrics, step / 50, step % 3 == 0 ? "assistant" : "fastdepth", 4, 0.05 + 0.01 * random.NextDouble(), 0.2 + 0.05 * random.NextDouble(), 1.3 + 0.2 * random.NextDouble());
    }

    public static List<StepRecord> Write(string path, int steps, int seed = 7)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(1, steps).Select(s => Record(s, random)).ToList();
        using var log = MetricsLog.Open(path, null);
        foreach (var r in records) log.Add(r);
        return records;
    }
}
