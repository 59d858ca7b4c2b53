namespace DepthNode.Distill.Reports;

/// <summary>One ground-truth series of <c>ground_truth.csv</c>: a dataset under one alignment, over the steps.</summary>
public sealed record GroundTruthSeries(string Dataset, string Align, double[] Steps, double[] AbsRel, double[] Delta1, double[] Rmse);

/// <summary>
/// What a run's CSV files say, read by column name: <c>metrics.csv</c> (required; written by
/// <see cref="Training.MetricsLog"/>), <c>validation.csv</c> and <c>ground_truth.csv</c> (each when present).
/// </summary>
public sealed class RunCurves
{
    /// <summary>The loss terms drawn besides the total, in the metrics' column order.</summary>
    public static readonly string[] LossTerms = ["shared_context", "local_global", "feature", "gradient", "anchor"];

    /// <summary>Where a step's time goes, in the metrics' column order; the rest of step_s is the optimizer and bookkeeping.</summary>
    public static readonly string[] TimeParts = ["data_s", "teacher_s", "forward_s", "backward_s"];

    private static readonly string[] MetricsColumns = ["step", "teacher", "loss", .. LossTerms, .. TimeParts, "step_s", "images_per_s"];

    private RunCurves(CsvTable metrics, CsvTable? validation, IReadOnlyList<GroundTruthSeries> groundTruth)
    {
        Metrics = metrics;
        Steps = metrics.Numbers("step");
        Validation = validation;
        GroundTruth = groundTruth;
    }

    public CsvTable Metrics { get; }
    public double[] Steps { get; }
    public CsvTable? Validation { get; }
    public IReadOnlyList<GroundTruthSeries> GroundTruth { get; }

    public static string MetricsPath(string run) => Path.Combine(run, "metrics.csv");

    /// <summary>Reads the run folder <paramref name="run"/>; no metrics.csv (or no row in it) is one clear error.</summary>
    public static RunCurves Load(string run)
    {
        var path = MetricsPath(run);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} does not exist: --run must be the output folder of a `depth-distill train` run", path);
        var metrics = CsvTable.Load(path, MetricsColumns);
        if (metrics.Count == 0) throw new InvalidDataException($"{path}: no step recorded yet");
        var validationPath = Path.Combine(run, "validation.csv");
        var validation = File.Exists(validationPath) ? CsvTable.Load(validationPath, ["step", "teacher", "ssi_l1"]) : null;
        var groundTruthPath = Path.Combine(run, "ground_truth.csv");
        var groundTruth = File.Exists(groundTruthPath) ? ReadGroundTruth(CsvTable.Load(groundTruthPath, ["step", "dataset", "align", "abs_rel", "delta1", "rmse"])) : [];
        return new RunCurves(metrics, validation is { Count: > 0 } ? validation : null, groundTruth);
    }

    private static List<GroundTruthSeries> ReadGroundTruth(CsvTable table)
    {
        var (steps, datasets, aligns) = (table.Numbers("step"), table.Texts("dataset"), table.Texts("align"));
        var (absRel, delta1, rmse) = (table.Numbers("abs_rel"), table.Numbers("delta1"), table.Numbers("rmse"));
        return Enumerable.Range(0, table.Count)
            .GroupBy(i => (Dataset: datasets[i], Align: aligns[i]))
            .Select(g => new GroundTruthSeries(g.Key.Dataset, g.Key.Align, [.. g.Select(i => steps[i])], [.. g.Select(i => absRel[i])],
                [.. g.Select(i => delta1[i])], [.. g.Select(i => rmse[i])]))
            .ToList();
    }

    /// <summary>The loss terms that are not zero at every step (a term with weight 0 or no input is left out).</summary>
    public IEnumerable<string> ActiveLossTerms() => LossTerms.Where(t => Metrics.Numbers(t).Any(v => v != 0));
}
