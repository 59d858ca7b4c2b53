using System.Globalization;
using System.Text.Json;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Evaluation;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode eval`: runs a network over a folder of frames with depth ground truth and scores AbsRel, δ1 and RMSE
/// per frame and as the mean over frames, through <see cref="DepthEvaluator"/> (the node's own per-frame path; the
/// rules of scoring are written there). <c>dataset</c> in the JSON is the detected layout (nyu, kitti, sun3d);
/// <c>alignment</c> is none/scale/scale_shift or the metric source.
/// </summary>
public sealed class EvalCommand : ICommand, IHasValueOptions
{
    public string Name => "eval";
    public string Summary => "score a depth network against ground truth (AbsRel, delta1, RMSE)";
    public string Usage => "eval [--model <onnx|card>] --data <folder> [--align none|scale|scale_shift] [--metric-source ground_plane|sparse_depth] " +
                           "[--camera-height 1.65] [--pitch-deg 0] [--sparse-every 20] [--resize area|linear] [--threads N] [--json]";

    public IReadOnlyCollection<string> ValueOptions => ["model", "data", "align", "metric-source", "camera-height", "pitch-deg", "sparse-every", "resize", "threads"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var modelArg = args.Option("model") ?? CheckoutModels.DefaultCardPath;
        var data = EvalDataset.Detect(args.Required("data"));
        var alignText = args.Option("align");
        var source = args.Option("metric-source");
        var json = args.Flag("json");
        var height = Double(args, "camera-height", 1.65);
        var pitch = Double(args, "pitch-deg", 0) * Math.PI / 180;
        var every = args.IntOption("sparse-every", 20, min: 1);
        var threads = args.IntOption("threads", 0, min: 0, meaning: "0 = ONNX Runtime's default");
        var resize = args.Option("resize") switch
        {
            null => (ResizeFilter?)null,
            "area" => ResizeFilter.Area,
            "linear" => ResizeFilter.Linear,
            var r => throw new CliException($"--resize '{r}': expected area or linear", 2),
        };
        args.EnsureAllUsed(0);

        var alignment = alignText is null ? GroundTruthAlignment.None
            : EvalScoring.ParseAlignment(alignText) ?? throw new CliException($"--align '{alignText}': expected none, scale or scale_shift", 2);
        if (source is not (null or "ground_plane" or "sparse_depth"))
            throw new CliException($"--metric-source '{source}': expected ground_plane or sparse_depth", 2);
        if (source is not null && alignment != GroundTruthAlignment.None)
            throw new CliException("--metric-source scores metric depth without ground-truth alignment; drop --align", 2);
        if (every < 2) throw new CliException("--sparse-every must be at least 2 (one point in N is the input, the rest are scored)", 2);
        if (!(height > 0)) throw new CliException("--camera-height must be positive", 2);

        var card = ModelCard.LoadFor(modelArg);
        // How the image is shrunk to the network input changes the scores a little; --resize overrides the card so the
        // numbers can be compared with a reference that resized differently.
        if (resize is { } filter) card = card with { Input = card.Input with { Resize = filter } };
        var scoring = new EvalScoring(alignment,
            source switch { "ground_plane" => MetricSource.GroundPlane, "sparse_depth" => MetricSource.SparseDepth, _ => null },
            height, pitch, every);
        DepthEvaluator.EnsureScorable(card, scoring); // before loading the weights: the first line is the one that matters

        using var model = new OnnxDepthModel(card, new OnnxModelOptions { IntraOpThreads = threads, WarmupRuns = 1 }, stderr.WriteLine);
        var report = DepthEvaluator.Evaluate(model, data, scoring, stderr);
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) report.WriteJson(w);
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else report.WriteTable(stdout);
        return 0;
    }

    private static double Double(Arguments args, string name, double fallback)
    {
        var s = args.Option(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new CliException($"option --{name} expects a number, got '{s}'", 2);
    }

}
