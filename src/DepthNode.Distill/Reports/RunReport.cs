using System.Globalization;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Training.Config;
using DepthNode.Installation;

namespace DepthNode.Distill.Reports;

/// <summary>What the report needs besides the run folder: the config (summary, default frames), the model before
/// training and the frames of the before/after grid (none: no grid).</summary>
public sealed record ReportRequest(string Run, TrainConfig? Config, string? BeforeModel, IReadOnlyList<BagFrames> Bags, IReadOnlyList<FolderFrames> Folders, int Count = 4);

/// <summary>The files written and the numbers the report shows.</summary>
public sealed record ReportResult(string Markdown, string Html, IReadOnlyList<string> Charts, IReadOnlyList<BeforeAfterRow> Rows, TimeSplit Time, string? GridNote);

/// <summary>
/// `depth-distill report` (also run at the end of `train`): the run's curves as PNG charts, the time split and
/// throughput, the final numbers and a before/after grid of held-out frames, in <c>&lt;run&gt;/report/report.md</c>
/// and <c>report.html</c>.
/// </summary>
public static class RunReport
{
    public static string Folder(string run) => Path.Combine(run, "report");

    /// <summary>
    /// The request `train` makes for its own run: the config's held-out frames (else its training frames), and as
    /// "before" the student's initial ONNX weights, else the primary ONNX teacher, else the checkout's default model.
    /// </summary>
    public static ReportRequest ForTraining(TrainConfig config)
    {
        static bool IsOnnx(string? p) => p is not null && (p.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase));
        var before = IsOnnx(config.Student.Init) ? config.Student.Init
            : config.Teachers.Where(t => t.Onnx is not null).MaxBy(t => t.Weight)?.Onnx
            ?? (File.Exists(CheckoutModels.DefaultModelPath) ? CheckoutModels.DefaultModelPath : null);
        var (bags, folders) = config.Validation is { } v ? (v.Bags, v.Folders) : (config.Bags, config.Folders);
        return new ReportRequest(config.Output, config, before, bags, folders);
    }

    /// <summary>The end of `train`: the report, or one line saying why it could not be made (the trained student stays).</summary>
    public static ReportResult? AfterTraining(TrainConfig config, TextWriter log)
    {
        try
        {
            var result = Write(ForTraining(config));
            log.WriteLine($"report: {result.Markdown} ({result.Charts.Count} charts, {result.Rows.Count} before/after rows)");
            return result;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or FormatException or InvalidOperationException
                                  or NotSupportedException or OpenCvSharp.OpenCVException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            log.WriteLine($"report: not written: {e.Message}; `depth-distill report --run {config.Output}` retries");
            return null;
        }
    }

    public static ReportResult Write(ReportRequest request)
    {
        var run = RunCurves.Load(request.Run);
        var folder = Folder(request.Run);
        Directory.CreateDirectory(folder);
        var doc = new ReportDocument($"depth-distill run report: {Path.GetFileName(Path.GetFullPath(request.Run).TrimEnd('/'))}");
        var charts = new List<string>();

        AddRunSummary(doc, request, run);
        AddFinalNumbers(doc, run);

        doc.AddHeading("Curves");
        Chart("loss.png", "training loss", p => RunCharts.Loss(run, p));
        if (run.Validation is { } validation) Chart("validation.png", "held-out validation", p => RunCharts.Validation(validation, p));
        if (run.GroundTruth.Count > 0) Chart("ground_truth.png", "ground truth", p => RunCharts.GroundTruth(run.GroundTruth, p));

        var time = TimeSplit.Of(run);
        doc.AddHeading("Where the time goes");
        doc.AddParagraph(FormattableString.Invariant(
            $"Mean over {time.StepsCounted} step(s){(time.StepsCounted < run.Steps.Length ? " (the first step, with its one-off warm-up, left out)" : "")}; throughput **{time.ImagesPerSecond:F2} images/s** ({time.Step.MeanSeconds:F3} s per step)."));
        doc.AddTable(["part", "mean s / step", "% of step"],
            [.. time.Parts.Select(p => Row(p.Part, F(p.MeanSeconds, "F4"), F(p.Percent, "F1"))), Row("whole step", F(time.Step.MeanSeconds, "F4"), "100")]);
        Chart("time.png", "time per step", p => RunCharts.Time(run, p));

        var (rows, note) = AddGrid(doc, request, folder);
        var markdown = Path.Combine(folder, "report.md");
        var html = Path.Combine(folder, "report.html");
        File.WriteAllText(markdown, doc.ToMarkdown());
        File.WriteAllText(html, doc.ToHtml());
        return new ReportResult(markdown, html, charts, rows, time, note);

        void Chart(string name, string alt, Action<string> draw)
        {
            var path = Path.Combine(folder, name);
            draw(path);
            charts.Add(path);
            doc.AddImage(alt, name);
        }
    }

    private static void AddRunSummary(ReportDocument doc, ReportRequest request, RunCurves run)
    {
        doc.AddHeading("Run");
        var teachers = run.Metrics.Texts("teacher").GroupBy(t => t).Select(g => $"{g.Key} ×{g.Count()}");
        var rows = new List<IReadOnlyList<string>>
        {
            Row("output", $"`{request.Run}`"),
            Row("steps recorded", FormattableString.Invariant($"{run.Steps[0]:F0} – {run.Steps[^1]:F0} ({run.Steps.Length} rows of metrics.csv)")),
            Row("teacher drawn per step", string.Join(", ", teachers)),
        };
        if (request.Config is { } c)
        {
            var inv = CultureInfo.InvariantCulture;
            rows.InsertRange(0,
            [
                Row("config", $"`{c.File}` (sha256 {c.Sha256[..12]}…)"),
                Row("seed, steps, batch", string.Create(inv, $"{c.Seed}, {c.Run.Steps}, {c.Run.Batch}")),
                Row("frames", string.Join("; ", c.Bags.Select(b => $"bag `{b.Path}` {b.Topic} stride {b.Stride}").Concat(c.Folders.Select(f => $"folder `{f.Path}` {f.Pattern ?? "*"} stride {f.Stride}")))),
                Row("teachers", string.Join("; ", c.Teachers.Select(t => string.Create(inv, $"{t.Name} (weight {t.Weight}, {(t.Onnx is { } o ? $"`{o}`" : $"{t.Arch} `{t.Weights}`")})")))),
                Row("student", $"{c.Student.Arch}, init {(c.Student.Init is { } i ? $"`{i}`" : "seeded random")}"),
                Row("crops", string.Create(inv, $"side {c.Geometry.CropSideMin}–{(c.Geometry.CropSideMax == 0 ? "short side" : c.Geometry.CropSideMax.ToString(inv))}, {c.Geometry.PatchCount} patch(es) of {c.Geometry.PatchSide} ({c.Geometry.Placement}), {c.ViewsPerFrame} view(s) per frame")),
                Row("loss weights sc / lg / feat / grad / anchor", string.Create(inv, $"{c.Loss.SharedContextWeight} / {c.Loss.LocalGlobalWeight} / {c.Loss.FeatureWeight} / {c.Loss.GradientWeight} / {c.Loss.AnchorWeight}; normalisation sc {c.Loss.SharedContextNormalization}, lg {c.Loss.LocalGlobalNormalization}")),
                Row("AdamW", string.Create(inv, $"lr encoder {c.Optimizer.EncoderLearningRate:G3}, decoder {c.Optimizer.DecoderLearningRate:G3}, weight decay {c.Optimizer.WeightDecay}, poly power {c.Optimizer.PolyPower}, clip {c.Optimizer.GradientClipNorm}")),
            ]);
        }
        doc.AddTable(["", ""], rows);
    }

    private static void AddFinalNumbers(ReportDocument doc, RunCurves run)
    {
        doc.AddHeading("Final numbers");
        var n = run.Steps.Length;
        var tail = Math.Max(1, n / 10);
        doc.AddParagraph($"Loss terms are unweighted, as `metrics.csv` logs them; the last column averages the last {tail} step(s).");
        doc.AddTable(["", "first step", "last step", $"mean of last {tail}"],
            new[] { "loss" }.Concat(run.ActiveLossTerms()).Select(c =>
            {
                var v = run.Metrics.Numbers(c);
                return Row(c, F(v[0], "G4"), F(v[^1], "G4"), F(v[^tail..].Average(), "G4"));
            }));
        if (run.Validation is { } validation)
        {
            var (steps, scores) = (validation.Numbers("step"), validation.Numbers("ssi_l1"));
            var best = Array.IndexOf(scores, scores.Min());
            doc.AddParagraph(FormattableString.Invariant(
                $"Held-out SSI L1 against {validation.Texts("teacher")[0]}: {scores[0]:G4} at step {steps[0]:F0}, {scores[^1]:G4} at step {steps[^1]:F0} (best {scores[best]:G4} at step {steps[best]:F0})."));
        }
        if (run.GroundTruth.Count > 0)
            doc.AddTable(["ground truth", "align", "first step", "AbsRel", "δ1", "RMSE", "last step", "AbsRel", "δ1", "RMSE"],
                run.GroundTruth.Select(s => Row(s.Dataset, s.Align, F(s.Steps[0], "F0"), F(s.AbsRel[0], "F4"), F(s.Delta1[0], "F4"), F(s.Rmse[0], "F4"),
                    F(s.Steps[^1], "F0"), F(s.AbsRel[^1], "F4"), F(s.Delta1[^1], "F4"), F(s.Rmse[^1], "F4"))));
    }

    private static (IReadOnlyList<BeforeAfterRow>, string?) AddGrid(ReportDocument doc, ReportRequest request, string folder)
    {
        doc.AddHeading("Before / after");
        var student = Path.Combine(request.Run, "student.onnx");
        string? note = null;
        if (!File.Exists(student)) note = $"no {student} yet (the run has not finished): no before/after grid";
        else if (request.BeforeModel is null) note = "no model to compare with (--model-before): no before/after grid";
        else if (request.Bags.Count + request.Folders.Count == 0 || request.Count == 0) note = "no frames given (--images, or a config with held-out frames): no before/after grid";
        if (note is not null)
        {
            doc.AddParagraph(note);
            return ([], note);
        }
        using var frames = FrameSet.Open(request.Bags, request.Folders);
        using var grid = new BeforeAfterGrid(request.BeforeModel!, student);
        var rows = grid.Write(frames, request.Count, Path.Combine(folder, "before_after"));
        doc.AddParagraph($"Each row: the input | before: `{grid.Before.Name}` ({request.BeforeModel}) | after: `{grid.After.Name}` ({student}), " +
            $"both through the node's pre-processing and ONNX Runtime, coloured with the node's Turbo colouriser " +
            (rows.Any(r => r.SharedRange) ? "with one depth range per row (near blue, far red)." : "(the two networks return different kinds of output, so each panel has its own range)."));
        doc.AddTable(["row", "frame", "depth range before", "depth range after"],
            rows.Select((r, i) => Row(i.ToString(CultureInfo.InvariantCulture), $"`{Short(r.Frame)}`", Range(r.BeforeRange), Range(r.AfterRange))));
        foreach (var (r, i) in rows.Select((r, i) => (r, i)))
            doc.AddImage($"row {i}: {Short(r.Frame)}", Path.GetRelativePath(folder, r.Png).Replace('\\', '/'));
        return (rows, null);

        // A folder frame's key is "file:<path>|sha256:<hash>": the path names it (a bag frame's key is kept whole).
        static string Short(string key) => key.Split("|sha256:")[0];
        static string Range((float Min, float Max) r) => FormattableString.Invariant($"{r.Min:G4} – {r.Max:G4}");
    }

    private static IReadOnlyList<string> Row(params string[] cells) => cells;

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
