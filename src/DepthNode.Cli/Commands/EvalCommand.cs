using System.Globalization;
using System.Text.Json;
using DepthNode.Camera;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Inference.Runtime;
using DepthNode.Models;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode eval`: runs a network over a folder of frames with depth ground truth and scores AbsRel, δ1 and RMSE
/// per frame and as the mean over frames (each frame weighs the same, as Marigold and the Distill-Any-Depth protocol
/// average per image). Scoring is at the ground-truth resolution: the network output is resized (bilinear) to it,
/// pixels with ground truth 0 or outside the dataset's cap are ignored, and predictions are clipped to the cap (a NaN
/// prediction, e.g. from a failed metric fit, scores as the far cap rather than being skipped). <c>dataset</c> in the
/// JSON is the detected layout (nyu, kitti, sun3d); <c>alignment</c> is none/scale/scale_shift or the metric source.
/// No Eigen/Garg crop is applied.
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
        var modelArg = args.Option("model") ?? ModelStore.DefaultCardPath;
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

        var alignment = alignText switch
        {
            null or "none" => GroundTruthAlignment.None,
            "scale" => GroundTruthAlignment.Scale,
            "scale_shift" => GroundTruthAlignment.ScaleShift,
            _ => throw new CliException($"--align '{alignText}': expected none, scale or scale_shift", 2),
        };
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
        if (source is null && alignment == GroundTruthAlignment.None && card.Output.Kind != DepthOutputKind.MetricDepth)
            throw new CliException($"model {card.Name} outputs {card.Output.Kind}, not metres: use --align scale|scale_shift or --metric-source", 2);

        using var model = new OnnxDepthModel(card, new OnnxModelOptions { IntraOpThreads = threads, WarmupRuns = 1 }, stderr.WriteLine);
        var camera = source == "ground_plane"
            ? CameraInfoYaml.Load(data.CameraInfoPath ?? throw new CliException($"--metric-source ground_plane needs {Path.Combine(data.Folder, "camera_info.yaml")}"))
            : null;

        var pre = new ImagePreprocessor(card.Input);
        var resampler = new DepthOutputResampler();
        var ground = new GroundPlaneAligner(new GroundPlaneOptions(CameraHeight: height, PitchRadians: pitch));
        var sparse = new SparseDepthAligner(new SparseDepthOptions(MinDepth: data.MinDepth, MaxDepth: data.MaxDepth));
        var results = new List<(EvalFrame Frame, DepthErrors Errors, string Fit)>();
        foreach (var frame in data.Frames)
        {
            using var bgr = Cv2.ImRead(frame.RgbPath, ImreadModes.Color);
            if (bgr.Empty()) throw new CliException($"{frame.RgbPath}: not a readable image");
            using var gtRaw = Cv2.ImRead(frame.DepthPath, ImreadModes.Unchanged);
            if (gtRaw.Empty() || gtRaw.Type() != MatType.CV_16UC1)
                throw new CliException($"{frame.DepthPath}: expected a 16-bit single-channel PNG, got {(gtRaw.Empty() ? "nothing" : gtRaw.Type().ToString())}");
            int w = gtRaw.Cols, h = gtRaw.Rows, n = w * h;
            var gt = new float[n];
            var mask = new bool[n];
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var z = (float)(gtRaw.At<ushort>(y, x) * data.MetresPerUnit);
                    gt[y * w + x] = z;
                    mask[y * w + x] = z > data.MinDepth && z < data.MaxDepth;
                }

            var size = model.InputSizeFor(bgr.Cols, bgr.Rows);
            pre.Run(View(bgr), model.GetInputBuffer(size), size);
            var output = model.Run();
            var prediction = new float[n];
            resampler.Run(output.Values, output.Width, output.Height, prediction, w, h);

            string fitText;
            if (source is null)
            {
                var (s, t) = GroundTruthAligner.Align(prediction, card.Output.Kind, gt, mask, alignment, data.MinDepth, data.MaxDepth);
                fitText = alignment == GroundTruthAlignment.None ? "" : string.Create(CultureInfo.InvariantCulture, $"scale={s:G6} shift={t:G6}");
            }
            else
            {
                MetricFit fit;
                if (source == "ground_plane")
                {
                    // P at the ground-truth resolution (rescaled when the frame differs from camera_info's size).
                    var sy = (double)h / camera!.Height;
                    fit = ground.Fit(prediction, w, h, camera.P[5] * sy, (camera.P[6] + 0.5) * sy - 0.5, card.Output.Kind);
                }
                else
                {
                    // One valid ground-truth pixel in `every` is the sparse input; only the others are scored.
                    var input = new float[n];
                    var k = 0;
                    for (var i = 0; i < n; i++)
                    {
                        if (!mask[i]) continue;
                        if (k++ % every == 0) { input[i] = gt[i]; mask[i] = false; }
                    }
                    fit = sparse.Fit(prediction, input, card.Output.Kind);
                }
                var depth = new float[n];
                MetricDepthConverter.Apply(prediction, card.Output.Kind, fit, depth);
                for (var i = 0; i < n; i++) prediction[i] = float.IsNaN(depth[i]) ? data.MaxDepth : Math.Clamp(depth[i], data.MinDepth, data.MaxDepth);
                fitText = fit.ToString();
            }
            results.Add((frame, DepthErrors.Compute(prediction, gt, mask), fitText));
        }

        var alignmentName = source ?? (alignment switch { GroundTruthAlignment.None => "none", GroundTruthAlignment.Scale => "scale", _ => "scale_shift" });
        var mean = (AbsRel: results.Average(r => r.Errors.AbsRel), Delta1: results.Average(r => r.Errors.Delta1), Rmse: results.Average(r => r.Errors.Rmse));
        if (json) WriteJson(stdout, card.Name, data.Layout, alignmentName, results.Select(r => (r.Frame.Name, r.Errors)).ToList(), mean);
        else
        {
            stdout.WriteLine($"model {card.Name} ({card.Output.Kind}) on {data.Layout} {data.Folder}, alignment {alignmentName}, {model.Provider}");
            stdout.WriteLine($"{"frame",-16} {"abs_rel",8} {"delta1",8} {"rmse",8} {"valid",8}  fit");
            foreach (var (f, e, fit) in results)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-16} {e.AbsRel,8:F4} {e.Delta1,8:F4} {e.Rmse,8:F4} {e.ValidPixels,8}  {fit}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"mean (frames)",-16} {mean.AbsRel,8:F4} {mean.Delta1,8:F4} {mean.Rmse,8:F4}"));
        }
        return 0;
    }

    private static void WriteJson(TextWriter stdout, string model, string dataset, string alignment, List<(string Name, DepthErrors Errors)> frames, (double AbsRel, double Delta1, double Rmse) mean)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteString("dataset", dataset);
            w.WriteString("alignment", alignment);
            w.WriteStartArray("frames");
            foreach (var (name, e) in frames)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                Number(w, "abs_rel", e.AbsRel);
                Number(w, "delta1", e.Delta1);
                Number(w, "rmse", e.Rmse);
                w.WriteNumber("valid_pixels", e.ValidPixels);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("mean");
            Number(w, "abs_rel", mean.AbsRel);
            Number(w, "delta1", mean.Delta1);
            Number(w, "rmse", mean.Rmse);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // JSON has no NaN: a frame without valid pixels reports null.
    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static double Double(Arguments args, string name, double fallback)
    {
        var s = args.Option(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new CliException($"option --{name} expects a number, got '{s}'", 2);
    }

    private static unsafe ImageView View(Mat bgr) =>
        ImageView.Create("bgr8", bgr.Cols, bgr.Rows, bgr.Step(), false, new ReadOnlySpan<byte>((void*)bgr.Data, checked((int)(bgr.Step() * bgr.Rows))));
}
