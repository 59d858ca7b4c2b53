using System.Globalization;
using System.Text.Json;
using System.Runtime.InteropServices;
using DepthNode.Camera;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.Models;
using DepthNode.NodeLogic;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode eval`: runs a network over a folder of frames with depth ground truth and scores AbsRel, δ1 and RMSE
/// per frame and as the mean over frames (each frame weighs the same, as Marigold and the Distill-Any-Depth protocol
/// average per image). Each frame goes through the node's own <see cref="DepthPipeline"/>, so the scores measure what
/// the node publishes. Scoring is per pixel at the image's resolution (ground truth of another size is refused, not
/// resampled); pixels with ground truth 0 or outside the dataset's cap are ignored, and predictions are clipped to the
/// cap (a pixel the node marks invalid, or a frame it drops, scores as the far cap rather than being skipped). A frame
/// with no valid ground-truth pixel is not scored and is listed as such. <c>dataset</c> in the JSON is the detected
/// layout (nyu, kitti, sun3d); <c>alignment</c> is none/scale/scale_shift or the metric source. No Eigen/Garg crop.
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
        var cameraFile = data.CameraInfoPath is { } cameraPath ? CameraInfoYaml.Load(cameraPath) : null;
        if (source == "ground_plane" && cameraFile is null)
            throw new CliException($"--metric-source ground_plane needs {Path.Combine(data.Folder, "camera_info.yaml")}");

        // The node's own per-frame path scores the network: pre-processing, inference, metric fit, resize to the camera
        // resolution and the metric mapping all happen in DepthPipeline. With --align the pipeline applies scale 1,
        // shift 0 (the network's own output) and the ground-truth alignment follows.
        var options = new DepthNodeOptions
        {
            MetricSource = source switch { "ground_plane" => MetricSource.GroundPlane, "sparse_depth" => MetricSource.SparseDepth, _ => MetricSource.Fixed },
            FixedScale = 1,
            FixedShift = 0,
            CameraHeightM = height,
            CameraPitchRad = pitch,
            PublishCloud = false,
            PublishColorized = false,
        };
        var log = new TextLogSink(stderr);
        using var message = new CdrWriter(1 << 20);
        var results = new List<(EvalFrame Frame, DepthErrors Errors, string Fit, double Scale, double Shift)>();
        var skipped = new List<(EvalFrame Frame, string Why)>();
        foreach (var frame in data.Frames)
        {
            using var bgr = Cv2.ImRead(frame.RgbPath, ImreadModes.Color);
            if (bgr.Empty()) throw new CliException($"{frame.RgbPath}: not a readable image");
            using var gtRaw = Cv2.ImRead(frame.DepthPath, ImreadModes.Unchanged);
            if (gtRaw.Empty() || gtRaw.Type() != MatType.CV_16UC1)
                throw new CliException($"{frame.DepthPath}: expected a 16-bit single-channel PNG, got {(gtRaw.Empty() ? "nothing" : gtRaw.Type().ToString())}");
            int w = gtRaw.Cols, h = gtRaw.Rows, n = w * h;
            // Scores are per pixel at the image's own resolution; resampling ground truth would invent measurements.
            if (bgr.Cols != w || bgr.Rows != h)
                throw new CliException($"{frame.DepthPath}: ground truth is {w}x{h} but {frame.RgbPath} is {bgr.Cols}x{bgr.Rows}; " +
                                       "eval does not resample ground truth (resize one of them to the other's size first)");
            var gt = new float[n];
            var mask = new bool[n];
            var valid = 0;
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var z = (float)(gtRaw.At<ushort>(y, x) * data.MetresPerUnit);
                    gt[y * w + x] = z;
                    if (mask[y * w + x] = z > data.MinDepth && z < data.MaxDepth) valid++;
                }
            if (valid == 0)
            {
                skipped.Add((frame, string.Create(CultureInfo.InvariantCulture, $"no ground-truth pixel in ({data.MinDepth}, {data.MaxDepth}) m")));
                continue;
            }

            float[]? sparseInput = null;
            if (source == "sparse_depth")
            {
                // One valid ground-truth pixel in `every` is the sparse input (0 elsewhere: no measurement); only the
                // others are scored.
                sparseInput = new float[n];
                var k = 0;
                for (var i = 0; i < n; i++)
                {
                    if (!mask[i]) continue;
                    if (k++ % every == 0) { sparseInput[i] = gt[i]; mask[i] = false; }
                }
            }

            // A fresh pipeline per frame: the frames are unrelated, so the node's temporal smoothing of the fit must
            // not carry one frame's scale into the next.
            var diagnostics = new NodeDiagnostics("eval", new StageTimings(4));
            using var pipeline = new DepthPipeline(options, model, diagnostics, log);
            var processed = pipeline.ProcessImage(Serialize(message, bgr), CameraFor(cameraFile, w, h, source), sparseInput);
            var prediction = new float[n];
            string fitText;
            double scale = double.NaN, shift = double.NaN;
            if (!processed)
            {
                // A frame the node would drop publishes no depth: every pixel scores as the far cap, never skipped.
                Array.Fill(prediction, data.MaxDepth);
                fitText = "dropped: " + DropReason(diagnostics);
            }
            else
            {
                var depth = MemoryMarshal.Cast<byte, float>(ImageMessageView.Parse(pipeline.Outputs.Depth.WrittenSpan).Data);
                if (source is null)
                {
                    // The ground-truth alignment works in the network's output space: depth, or disparity = 1/depth.
                    var disparity = card.Output.Kind == DepthOutputKind.RelativeDisparity;
                    for (var i = 0; i < n; i++) prediction[i] = disparity ? 1f / depth[i] : depth[i];
                    var (s, t) = GroundTruthAligner.Align(prediction, card.Output.Kind, gt, mask, alignment, data.MinDepth, data.MaxDepth);
                    (scale, shift) = (s, t);
                    fitText = alignment == GroundTruthAlignment.None ? "" : string.Create(CultureInfo.InvariantCulture, $"scale={s:G6} shift={t:G6}");
                }
                else
                {
                    for (var i = 0; i < n; i++) prediction[i] = float.IsNaN(depth[i]) ? data.MaxDepth : Math.Clamp(depth[i], data.MinDepth, data.MaxDepth);
                    fitText = pipeline.LastFit.ToString();
                    (scale, shift) = (pipeline.LastFit.Scale, pipeline.LastFit.Shift);
                }
            }
            results.Add((frame, DepthErrors.Compute(prediction, gt, mask), fitText, scale, shift));
        }
        if (results.Count == 0)
            throw new CliException($"--data {data.Folder}: no frame could be scored ({string.Join("; ", skipped.Select(x => $"{x.Frame.Name}: {x.Why}"))})");

        var alignmentName = source ?? (alignment switch { GroundTruthAlignment.None => "none", GroundTruthAlignment.Scale => "scale", _ => "scale_shift" });
        var mean = (AbsRel: results.Average(r => r.Errors.AbsRel), Delta1: results.Average(r => r.Errors.Delta1), Rmse: results.Average(r => r.Errors.Rmse));
        if (json) WriteJson(stdout, card.Name, data.Layout, alignmentName, results.Select(r => (r.Frame.Name, r.Errors, r.Scale, r.Shift)).ToList(),
            skipped.Select(x => (x.Frame.Name, x.Why)).ToList(), mean);
        else
        {
            stdout.WriteLine($"model {card.Name} ({card.Output.Kind}) on {data.Layout} {data.Folder}, alignment {alignmentName}, {model.Provider}");
            stdout.WriteLine($"{"frame",-16} {"abs_rel",8} {"delta1",8} {"rmse",8} {"valid",8}  fit");
            foreach (var (f, e, fit, _, _) in results)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-16} {e.AbsRel,8:F4} {e.Delta1,8:F4} {e.Rmse,8:F4} {e.ValidPixels,8}  {fit}"));
            foreach (var (f, why) in skipped) stdout.WriteLine($"{f.Name,-16} not scored: {why}");
            var label = skipped.Count == 0 ? "mean (frames)" : $"mean ({results.Count} of {results.Count + skipped.Count})";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-16} {mean.AbsRel,8:F4} {mean.Delta1,8:F4} {mean.Rmse,8:F4}"));
        }
        return 0;
    }

    /// <summary>The frame as the camera would publish it: a bgr8 sensor_msgs/Image, rows copied into the message.</summary>
    private static ReadOnlySpan<byte> Serialize(CdrWriter writer, Mat bgr)
    {
        writer.Reset();
        int rows = bgr.Rows, rowBytes = bgr.Cols * 3, step = checked((int)bgr.Step());
        var pixels = Image.WriteUpToData(writer, new Header(default, "camera"), (uint)rows, (uint)bgr.Cols, "bgr8", (uint)rowBytes);
        unsafe
        {
            var source = new ReadOnlySpan<byte>((void*)bgr.Data, checked((rows - 1) * step + rowBytes));
            for (var y = 0; y < rows; y++) source.Slice(y * step, rowBytes).CopyTo(pixels.Slice(y * rowBytes, rowBytes));
        }
        writer.Flush();
        return writer.WrittenSpan;
    }

    /// <summary>
    /// The dataset's camera_info.yaml when it describes this image. Only the ground plane needs real intrinsics (it is
    /// refused otherwise); for the other modes they would only project the point cloud, which eval does not publish,
    /// so an image the file does not describe gets a nominal pinhole camera (focal length = width, centred).
    /// </summary>
    private static CameraInfo CameraFor(CameraInfo? file, int width, int height, string? source)
    {
        if (file is not null && file.Width == width && file.Height == height) return file;
        if (source == "ground_plane")
            throw new CliException($"camera_info.yaml is for {file!.Width}x{file.Height}, the images are {width}x{height}; the ground plane needs the image's own intrinsics");
        return new CameraModel(width, height, width, width, (width - 1) / 2.0, (height - 1) / 2.0).ToCameraInfo(new Header(default, "camera"));
    }

    private static string DropReason(NodeDiagnostics diagnostics)
    {
        foreach (var reason in Enum.GetValues<FrameDropReason>())
            if (diagnostics.Dropped(reason) > 0) return $"{SnakeCase.From(reason.ToString())}: {diagnostics.LastError(reason)}";
        return "unknown";
    }

    private static void WriteJson(TextWriter stdout, string model, string dataset, string alignment, List<(string Name, DepthErrors Errors, double Scale, double Shift)> frames,
        List<(string Name, string Why)> skipped, (double AbsRel, double Delta1, double Rmse) mean)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteString("dataset", dataset);
            w.WriteString("alignment", alignment);
            w.WriteStartArray("frames");
            foreach (var (name, e, scale, shift) in frames)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                Number(w, "abs_rel", e.AbsRel);
                Number(w, "delta1", e.Delta1);
                Number(w, "rmse", e.Rmse);
                w.WriteNumber("valid_pixels", e.ValidPixels);
                // The mapping applied to the network output: the metric fit, or the ground-truth alignment (in
                // disparity space for scale_shift); null for a dropped frame.
                Number(w, "scale", scale);
                Number(w, "shift", shift);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("not_scored");
            foreach (var (name, why) in skipped)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("reason", why);
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

    // JSON has no NaN; frames without a valid pixel are listed under not_scored, so this is a last resort.
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

}
