namespace DepthNode.Distill.Reports;

/// <summary>One part of a step's time: its mean seconds per step and its share of the mean step.</summary>
public sealed record TimeShare(string Part, double MeanSeconds, double Percent);

/// <summary>
/// Where a run's time went, from <c>metrics.csv</c>: mean seconds per step of data loading, teacher labels, student
/// forward and backward, the rest of the step (optimizer update, bookkeeping) and the whole step, with the throughput.
/// The first step is left out when there are others: it pays one-off costs (ONNX Runtime and libtorch warm-up).
/// </summary>
public sealed record TimeSplit(IReadOnlyList<TimeShare> Parts, TimeShare Step, int StepsCounted, double ImagesPerSecond)
{
    public static readonly IReadOnlyDictionary<string, string> PartNames = new Dictionary<string, string>
    {
        ["data_s"] = "data (frame decode, crop, pre-processing)",
        ["teacher_s"] = "teacher labels (cache or online)",
        ["forward_s"] = "student forward + loss",
        ["backward_s"] = "backward, clipping, optimizer step",
    };

    public const string OtherPart = "other (batch assembly, metrics)";

    public static TimeSplit Of(RunCurves run)
    {
        var m = run.Metrics;
        var skip = m.Count > 1 ? 1 : 0;
        double Mean(string column) => m.Numbers(column).Skip(skip).Average();
        var step = Mean("step_s");
        var parts = RunCurves.TimeParts.Select(c => (Name: PartNames[c], Seconds: Mean(c))).ToList();
        parts.Add((OtherPart, Math.Max(0, step - parts.Sum(p => p.Seconds))));
        double Share(double s) => step > 0 ? 100 * s / step : 0;
        // Images per second over the counted steps as a whole (total images / total seconds), not a mean of rates.
        var seconds = m.Numbers("step_s").Skip(skip).Sum();
        var images = m.Numbers("step_s").Zip(m.Numbers("images_per_s")).Skip(skip).Sum(p => p.First * p.Second);
        return new TimeSplit(parts.Select(p => new TimeShare(p.Name, p.Seconds, Share(p.Seconds))).ToList(),
            new TimeShare("step", step, 100), m.Count - skip, seconds > 0 ? images / seconds : 0);
    }
}
