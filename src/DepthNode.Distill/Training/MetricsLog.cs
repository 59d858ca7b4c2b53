using System.Globalization;

namespace DepthNode.Distill.Training;

/// <summary>One row of the metrics CSV: a step's numbers and where its time went.</summary>
public sealed record StepRecord(StepMetrics Metrics, long Epoch, string Teacher, int Images, double DataSeconds, double TeacherSeconds, double StepSeconds);

/// <summary>
/// <c>metrics.csv</c> of a run: one row per step with every loss term (unweighted), the student's and teacher's
/// median / MAD (drift), the learning rates, the gradient norm and the time split (data, teacher, student forward,
/// backward). Doubles are written round-trip ("R"), so a resumed run's rows compare exactly with an uninterrupted one's.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public static readonly string[] Columns =
    [
        "step", "epoch", "teacher", "loss", "shared_context", "local_global", "feature", "gradient", "anchor",
        "student_median", "student_mad", "teacher_median", "teacher_mad", "lr_encoder", "lr_decoder", "grad_norm",
        "data_s", "teacher_s", "forward_s", "backward_s", "step_s", "images_per_s",
    ];

    private readonly StreamWriter _writer;

    private MetricsLog(StreamWriter writer) => _writer = writer;

    /// <summary>
    /// Opens the CSV of a run. Resuming after step <paramref name="resumedStep"/> keeps the rows up to it and drops
    /// later ones (a run killed after its last checkpoint wrote rows the resumed run writes again).
    /// </summary>
    public static MetricsLog Open(string path, long? resumedStep)
    {
        var header = string.Join(",", Columns);
        var kept = new List<string> { header };
        if (resumedStep is { } step && File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > 0 && lines[0] != header)
                throw new InvalidDataException($"{path} has other columns than this build writes; move it away to resume");
            kept.AddRange(lines.Skip(1).Where(l => long.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= step));
        }
        File.WriteAllLines(path, kept);
        return new MetricsLog(new StreamWriter(path, append: true) { AutoFlush = true });
    }

    public void Add(StepRecord r)
    {
        var m = r.Metrics;
        static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        _writer.WriteLine(string.Join(",",
            m.Step.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture), r.Teacher,
            D(m.Total), D(m.SharedContext), D(m.LocalGlobal), D(m.Feature), D(m.Gradient), D(m.Anchor),
            D(m.Student.Median), D(m.Student.Mad), D(m.Teacher.Median), D(m.Teacher.Mad),
            D(m.EncoderLearningRate), D(m.DecoderLearningRate), D(m.GradientNorm),
            D(r.DataSeconds), D(r.TeacherSeconds), D(m.ForwardSeconds), D(m.BackwardSeconds), D(r.StepSeconds),
            D(r.StepSeconds > 0 ? r.Images / r.StepSeconds : 0)));
    }

    public void Dispose() => _writer.Dispose();
}
