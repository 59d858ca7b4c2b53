using System.Globalization;
using System.Text.Json;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Evaluation;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;

namespace DepthNode.Distill.Commands;

/// <summary>
/// `depth-distill eval`: teacher and students side by side on one ground-truth folder, AbsRel, δ1 and RMSE per model
/// and alignment, so before/after is one command. The scoring is `depthnode eval`'s, the same code
/// (<see cref="DepthEvaluator"/>): each network runs through the node's per-frame path. Models are ONNX networks (or
/// their cards), training runs (<c>--run out/x</c> = its exported <c>student.onnx</c>), or TorchSharp checkpoints (a
/// checkpoint folder or <c>.safetensors</c>, with <c>--arch</c>).
/// </summary>
public sealed class EvalCommand : ICommand, IHasValueOptions
{
    public string Name => "eval";
    public string Summary => "compare networks (teacher, students) on ground truth: AbsRel, delta1, RMSE per model and alignment";
    public string Usage => "eval --model <onnx|card|checkpoint> [--model ...] [--run <training output> ...] --data <folder> " +
        "[--align none|scale|scale_shift|both] [--stride N] [--arch <checkpoint arch>] [--threads N] [--json]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["model", "run", "data", "align", "stride", "arch", "threads"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var models = args.Options("model");
        var runs = args.Options("run");
        var dataArg = args.Required("data");
        var alignText = args.Option("align") ?? "both";
        var stride = args.IntOption("stride", 1, min: 1, meaning: "1 = every frame");
        var archName = args.Option("arch");
        var threads = args.IntOption("threads", 0, min: 0, meaning: "0 = ONNX Runtime's default");
        var json = args.Flag("json");
        args.EnsureAllUsed(0);

        if (models.Count + runs.Count == 0) throw new CliException("no network to score: give --model <onnx|card|checkpoint> and/or --run <training output>", 2);
        // both = unaligned (the metres a metric network publishes) and scale-shift aligned (the relative-depth protocol).
        GroundTruthAlignment[] alignments = alignText == "both" ? [GroundTruthAlignment.None, GroundTruthAlignment.ScaleShift]
            : EvalScoring.ParseAlignment(alignText) is { } a ? [a]
            : throw new CliException($"--align '{alignText}': expected none, scale, scale_shift or both", 2);
        var data = EvalDataset.Detect(dataArg).EveryNth(stride);
        DepthArchitecture? arch = null;
        if (archName is not null)
        {
            try { arch = DepthArchitectures.Find(archName); }
            catch (ArgumentException e) { throw new CliException($"--arch: {e.Message}", 2); }
        }
        // Every source is resolved before anything runs, so a typo in the last one fails at once.
        var sources = models.Select(m => (Label: m, Path: m)).Concat(runs.Select(r => (Label: r, Path: RunStudent(r, arch)))).ToList();
        foreach (var (label, path) in sources)
            if (!File.Exists(path) && !Directory.Exists(path)) throw new CliException($"--model {label}: no such file or folder");

        var results = new List<(string Label, ModelCard Card, IReadOnlyList<EvalReport> Reports)>();
        foreach (var (label, path) in sources)
        {
            using var model = Open(label, path, arch, threads, stderr);
            var reports = new List<EvalReport>();
            foreach (var alignment in alignments)
            {
                var scoring = new EvalScoring(alignment);
                // A relative network has no metres to score unaligned: with --align both that row is left out, alone it is an error.
                if (alignment == GroundTruthAlignment.None && model.Card.Output.Kind != DepthOutputKind.MetricDepth && alignments.Length > 1) continue;
                DepthEvaluator.EnsureScorable(model.Card, scoring);
                reports.Add(DepthEvaluator.Evaluate(model, data, scoring, stderr));
            }
            results.Add((label, model.Card, reports));
        }

        if (json) WriteJson(stdout, data, results);
        else WriteTable(stdout, data, results, alignments);
        return 0;
    }

    /// <summary>A training run's exported student (`depth-distill train` writes it at the end); for a run that has not
    /// finished, its newest checkpoint (with --arch).</summary>
    private static string RunStudent(string run, DepthArchitecture? arch)
    {
        if (!Directory.Exists(run)) throw new CliException($"--run {run}: no such folder");
        var onnx = Path.Combine(run, "student.onnx");
        if (File.Exists(onnx)) return onnx;
        var checkpoints = TrainingCheckpoint.List(run);
        if (checkpoints.Count == 0) throw new CliException($"--run {run}: neither a student.onnx nor a checkpoint (not a depth-distill train output)");
        return arch is not null ? checkpoints[^1].Path
            : throw new CliException($"--run {run}: no student.onnx yet (unfinished run); its newest checkpoint {checkpoints[^1].Path} is scored with --arch <the student's arch>", 2);
    }

    private static IDepthModel Open(string label, string path, DepthArchitecture? arch, int threads, TextWriter stderr)
    {
        if (Directory.Exists(path) || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            if (arch is null) throw new CliException($"--model {label}: a TorchSharp checkpoint needs --arch ({string.Join(", ", DepthArchitectures.All.Select(a => a.Name))})", 2);
            var network = NetworkWeights.Load(arch, path);
            return new TorchDepthModel(network, arch.Card(Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), path), ownsModule: true);
        }
        // A file ONNX Runtime cannot load is refused by OnnxDepthModel with one line naming the model and ONNX Runtime's reason.
        return new OnnxDepthModel(ModelCard.LoadFor(path), new OnnxModelOptions { IntraOpThreads = threads, WarmupRuns = 1 }, stderr.WriteLine);
    }

    private static void WriteTable(TextWriter w, EvalDataset data, List<(string Label, ModelCard Card, IReadOnlyList<EvalReport> Reports)> results,
        GroundTruthAlignment[] alignments)
    {
        var scored = results.SelectMany(r => r.Reports).Select(r => r.Frames.Count).DefaultIfEmpty(0).Max();
        w.WriteLine($"{data.Layout} {data.Folder}: {scored} of {data.Frames.Count} frames scored (mean over frames)");
        var width = Math.Max(5, results.Max(r => r.Label.Length));
        w.WriteLine($"{"model".PadRight(width)}  {"output",-18} {"align",-11} {"abs_rel",8} {"delta1",8} {"rmse",8}");
        foreach (var (label, card, reports) in results)
            foreach (var alignment in alignments)
            {
                var name = EvalScoring.AlignmentName(alignment);
                var r = reports.FirstOrDefault(x => x.Alignment == name);
                w.WriteLine(r is null
                    ? $"{label.PadRight(width)}  {card.Output.Kind,-18} {name,-11} {"n/a (relative output, no metres)",26}"
                    : string.Create(CultureInfo.InvariantCulture, $"{label.PadRight(width)}  {card.Output.Kind,-18} {name,-11} {r.Mean.AbsRel,8:F4} {r.Mean.Delta1,8:F4} {r.Mean.Rmse,8:F4}"));
            }
    }

    /// <summary>{dataset, folder, models: [{source, name, kind, results: [`depthnode eval --json` objects]}]}.</summary>
    private static void WriteJson(TextWriter stdout, EvalDataset data, List<(string Label, ModelCard Card, IReadOnlyList<EvalReport> Reports)> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dataset", data.Layout);
            w.WriteString("folder", data.Folder);
            w.WriteStartArray("models");
            foreach (var (label, card, reports) in results)
            {
                w.WriteStartObject();
                w.WriteString("source", label);
                w.WriteString("name", card.Name);
                w.WriteString("kind", card.Output.Kind.ToString());
                w.WriteStartArray("results");
                foreach (var r in reports) r.WriteJson(w);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
