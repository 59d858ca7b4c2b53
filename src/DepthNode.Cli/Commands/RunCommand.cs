using System.Globalization;
using DepthNode.Bags;
using DepthNode.Cli.Previews;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode run`: the node's pipeline over every image of a bag, outputs recorded to a new bag. Without --bag it
/// runs on the built-in default: a procedurally rendered street (exact depth known), so it works on any machine and
/// reports its own accuracy.
/// </summary>
public sealed class RunCommand : ICommand, IHasValueOptions
{
    public const int DefaultFrames = 20;

    public string Name => "run";
    public string Summary => "run the depth pipeline over a bag and record depth, camera_info, points, colorized depth";
    public string Usage => "run [--bag <in>] [--out <out>] [--config <params.yaml>] [--model <card|onnx>] " +
        "[--metric-source model|fixed|sparse_depth|ground_plane] [--image-topic T | --compressed-image-topic T] [--camera-info-topic T] " +
        BagOutputOptions.Usage + " [--copy-inputs] [--limit N] [--previews N] [--threads N] [--rate R] [--force]";
    public IReadOnlyCollection<string> ValueOptions { get; } =
        ["bag", "out", "config", "model", "metric-source", "image-topic", "compressed-image-topic", "camera-info-topic", .. BagOutputOptions.Names, "limit", "previews", "threads", "frames", "rate"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var bag = args.Option("bag");
        var demo = bag is null;
        var outOption = args.Option("out");
        var outPath = outOption ?? Path.Combine("out", demo ? "street-depth" : Path.GetFileName(Path.TrimEndingDirectorySeparator(bag!)) + "-depth");
        var config = args.Option("config");
        var options = config is null ? new DepthNodeOptions() : DepthNodeOptions.Load(config);
        if (demo && args.Option("metric-source") is null && config is null)
            // FastDepth is an indoor network; on a street the camera height makes it metric (the node's vehicle mode).
            options = options with { MetricSource = MetricSource.GroundPlane, CameraHeightM = StreetScene.CameraHeight };
        if (args.Option("model") is { } model) options = options with { Model = model };
        if (args.Option("metric-source") is { } source) options = options with { MetricSource = ParseMetricSource(source) };
        var named = new BagInputTopics.Named(args.Option("image-topic"), args.Option("compressed-image-topic"), args.Option("camera-info-topic"));
        if (named.Image is { } it) options = options with { ImageTopic = it };
        if (named.CompressedImage is { } cit) options = options with { CompressedImageTopic = cit };
        if (named.CameraInfo is { } ct) options = options with { CameraInfoTopic = ct };
        options = options.Validate();
        var (storage, compression, writerOptions) = BagOutputOptions.Parse(args);
        var copyInputs = args.Flag("copy-inputs");
        var limit = args.IntOption("limit", 0, min: 0, meaning: "0 = every frame");
        var previews = args.IntOption("previews", 4, min: 0);
        var threads = args.IntOption("threads", 0, min: 0, meaning: "0 = ONNX Runtime's default");
        var frames = args.IntOption("frames", DefaultFrames, min: 1);
        var rateText = args.Option("rate");
        var rate = rateText is null ? 0
            : double.TryParse(rateText, System.Globalization.NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 && double.IsFinite(r) ? r
            : throw new CliException($"--rate must be a positive number (1 = recorded pace), got '{rateText}'", 2);
        // The built-in street replaces its own default output on every run, so running it again changes nothing.
        var force = args.Flag("force") || (demo && outOption is null);
        args.EnsureAllUsed(0);

        var log = new TextLogSink(stderr);
        if (demo)
        {
            bag = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, "street-input");
            using var street = StagedOutput.Begin(bag, force: true);
            StreetSceneBag.Write(street.Path, frames);
            street.Commit();
            stdout.WriteLine($"input: {bag} ({frames} rendered street frames, 1242x375 rgb8, exact depth known)");
        }
        if (!File.Exists(bag) && !Directory.Exists(bag)) throw new CliException($"bag {bag} does not exist");
        // The config and model files are inputs too: an output path may not replace them.
        using var staged = StagedOutput.Begin(outPath, force, bag, config, options.Model);

        using var reader = BagReader.Open(bag!, w => log.Write(NodeLogic.LogLevel.Warn, $"{bag}: {w}"));
        var topics = BagInputTopics.Choose(reader.Info, options, log, named);
        using var depthModel = DepthModelFactory.Open(options, line => log.Write(NodeLogic.LogLevel.Info, line), threads > 0 ? threads : null,
            modelDirectory: CheckoutModels.Directory, warmupImageSize: FirstFrameSize.Of(reader, topics));
        stdout.WriteLine($"model: {depthModel.Card.Name} on {depthModel.Provider}; metric source: {SnakeCase.From(options.MetricSource.ToString())}");
        var diagnostics = new NodeDiagnostics("depth_node", new StageTimings(4096));
        using var pipeline = new DepthPipeline(options, depthModel, diagnostics, log);
        if (previews > 0 && !Imaging.OpenCvNative.IsLoaded)
        {
            // Previews are drawn and written with OpenCV; the node's own path does not need it (linux-arm64).
            log.Write(NodeLogic.LogLevel.Warn, $"no previews: they need OpenCV's native library, which did not load ({Imaging.OpenCvNative.Detail})");
            previews = 0;
        }
        var previewFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outPath)) + "-previews";
        var total = Math.Min(limit > 0 ? limit : long.MaxValue, reader.Info.Topics.FirstOrDefault(t => t.Topic.Name == topics.Image)?.MessageCount ?? 0);
        var previewWriter = new PreviewWriter(previewFolder, PreviewWriter.Spread(total, previews));
        var scores = new List<DepthErrors>();
        var sceneScore = new SceneScore();
        var compressed = topics.Compressed;
        var runner = new BagDepthRunner(options, pipeline, log)
        {
            CopyInputs = copyInputs,
            Limit = limit,
            Rate = rate,
            FrameDone = (index, input, outputs) =>
            {
                previewWriter.Offer(index, input, compressed, outputs.HasColorized ? outputs.Colorized.WrittenSpan : default);
                if (demo && outputs.HasDepth && sceneScore.TryScore(outputs.Depth.WrittenSpan, out var errors)) scores.Add(errors);
            },
        };
        BagRunSummary summary;
        using (var writer = BagWriter.Create(staged.Path, storage, compression, writerOptions))
            summary = runner.Run(reader, writer, topics);
        // A run that processed nothing failed: it leaves no output behind (and an earlier one stays as it was).
        if (summary.Processed > 0) staged.Commit();

        stdout.WriteLine($"output: {(summary.Processed > 0 ? outPath : "none written")} ({summary.Processed} of {summary.Images} frames processed, {summary.Dropped} dropped" +
            (rate > 0 ? $"; played at {rate.ToString(CultureInfo.InvariantCulture)}x the recorded pace, {diagnostics.Dropped(FrameDropReason.Superseded)} superseded by newer frames)" : ")"));
        var t = diagnostics.Timings;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median ms: decode {t.Median(PipelineStage.Decode):0.00}, preprocess {t.Median(PipelineStage.Preprocess):0.00}, " +
            $"inference {t.Median(PipelineStage.Inference):0.00}, postprocess {t.Median(PipelineStage.Postprocess):0.00}, " +
            $"metric fit {t.Median(PipelineStage.MetricFit):0.00}, point cloud {t.Median(PipelineStage.PointCloud):0.00}, " +
            $"colorize {t.Median(PipelineStage.Colorize):0.00}, total {t.Median(PipelineStage.Total):0.00}"));
        if (pipeline.LastFit.Source == MetricSource.GroundPlane || pipeline.LastFit.Source == MetricSource.SparseDepth)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"last metric fit: {pipeline.LastFit}"));
        if (scores.Count > 0)
        {
            var mean = (AbsRel: scores.Average(s => s.AbsRel), Delta1: scores.Average(s => s.Delta1), Rmse: scores.Average(s => s.Rmse));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy against the scene's exact depth (<= 80 m, mean of {scores.Count} frames): AbsRel {mean.AbsRel:0.000}, delta1 {mean.Delta1:0.000}, RMSE {mean.Rmse:0.00} m"));
        }
        foreach (var p in previewWriter.Written) stdout.WriteLine($"preview: {p}");
        foreach (var w in summary.Warnings) stdout.WriteLine($"warning: {w}");
        return summary.Processed > 0 ? 0 : 1;
    }

    /// <summary>Depth images of the rendered street against the scene's exact depth, for the frame each stamp names.
    /// Buffers are kept across frames; outputs below the camera resolution (output_scale) are not scored.</summary>
    private sealed class SceneScore
    {
        private readonly byte[] _rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
        private readonly float[] _truth = new float[StreetScene.Width * StreetScene.Height];
        private readonly bool[] _mask = new bool[StreetScene.Width * StreetScene.Height];

        public bool TryScore(ReadOnlySpan<byte> depthPayload, out DepthErrors errors)
        {
            errors = default;
            var view = ImageMessageView.Parse(depthPayload);
            if (view.Width != StreetScene.Width || view.Height != StreetScene.Height || !view.EncodingUtf8.SequenceEqual("32FC1"u8)) return false;
            var frame = (view.Header.Stamp.TotalNanoseconds - StreetScene.HeaderAt(0).Stamp.TotalNanoseconds) / StreetScene.FramePeriodNs;
            var predicted = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(view.Data);
            StreetScene.Render((int)frame, _rgb, _truth);
            for (var i = 0; i < _truth.Length; i++) _mask[i] = _truth[i] is > 1e-3f and <= 80f && float.IsFinite(predicted[i]);
            errors = DepthErrors.Compute(predicted, _truth, _mask);
            return true;
        }
    }

    internal static MetricSource ParseMetricSource(string text, params MetricSource[] allowed)
    {
        var choices = allowed.Length > 0 ? allowed : Enum.GetValues<MetricSource>();
        foreach (var c in choices)
            if (SnakeCase.From(c.ToString()) == text) return c;
        throw new CliException($"--metric-source must be {string.Join(", ", choices.Select(c => SnakeCase.From(c.ToString())))}, got '{text}'", 2);
    }
}
