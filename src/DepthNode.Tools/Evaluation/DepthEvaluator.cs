using System.Globalization;
using System.Runtime.InteropServices;
using DepthNode.Camera;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Inference;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using OpenCvSharp;

namespace DepthNode.Evaluation;

/// <summary>How a prediction is brought to metres before scoring: aligned to the ground truth, or by a metric source of the node.</summary>
/// <param name="MetricSource">ground_plane or sparse_depth (the node's own fit; no ground-truth alignment); null = <see cref="Alignment"/>.</param>
/// <param name="SparseEvery">sparse_depth: one valid ground-truth pixel in N is the input, the others are scored.</param>
public sealed record EvalScoring(
    GroundTruthAlignment Alignment = GroundTruthAlignment.None,
    MetricSource? MetricSource = null,
    double CameraHeightM = 1.65,
    double CameraPitchRad = 0,
    int SparseEvery = 20)
{
    /// <summary>none, scale, scale_shift, or the metric source (ground_plane, sparse_depth).</summary>
    public string Name => MetricSource is { } m ? SnakeCase.From(m.ToString()) : AlignmentName(Alignment);

    public static string AlignmentName(GroundTruthAlignment a) =>
        a switch { GroundTruthAlignment.None => "none", GroundTruthAlignment.Scale => "scale", _ => "scale_shift" };

    /// <summary>Parses none | scale | scale_shift; null for anything else.</summary>
    public static GroundTruthAlignment? ParseAlignment(string? text) => text switch
    {
        "none" => GroundTruthAlignment.None,
        "scale" => GroundTruthAlignment.Scale,
        "scale_shift" => GroundTruthAlignment.ScaleShift,
        _ => null,
    };
}

/// <summary>
/// Scores a depth network against a ground-truth folder: `depthnode eval`, `depth-distill eval` and the ground-truth
/// validation of `depth-distill train` all run this. Each frame goes through the node's own <see cref="DepthPipeline"/>
/// (pre-processing, inference, resize to the camera resolution), so the scores measure what the node would publish,
/// whatever runs the network behind <see cref="IDepthModel"/>. Scoring is per pixel at the image's resolution (ground
/// truth of another size is refused, not resampled); pixels with ground truth 0 or outside the dataset's cap are
/// ignored, and predictions are clipped to the cap (a pixel the node marks invalid, or a frame it drops, scores as the
/// far cap rather than being skipped). A frame with no valid ground-truth pixel is not scored and is listed as such.
/// The mean weighs each frame the same, as Marigold and the Distill-Any-Depth protocol average per image. No Eigen/Garg crop.
/// </summary>
public static class DepthEvaluator
{
    public static EvalReport Evaluate(IDepthModel model, EvalDataset data, EvalScoring scoring, TextWriter log)
    {
        var card = model.Card;
        var source = scoring.MetricSource;
        EnsureScorable(card, scoring);
        var cameraFile = data.CameraInfoPath is { } cameraPath ? CameraInfoYaml.Load(cameraPath) : null;
        if (source == MetricSource.GroundPlane && cameraFile is null)
            throw new CliException($"--metric-source ground_plane needs {Path.Combine(data.Folder, "camera_info.yaml")}");

        // With an alignment the pipeline applies scale 1, shift 0 (the network's own output) and the ground-truth
        // alignment follows.
        var options = new DepthNodeOptions
        {
            MetricSource = source ?? MetricSource.Fixed,
            FixedScale = 1,
            FixedShift = 0,
            CameraHeightM = scoring.CameraHeightM,
            CameraPitchRad = scoring.CameraPitchRad,
            PublishCloud = false,
            PublishColorized = false,
        };
        var sink = new TextLogSink(log);
        using var message = new CdrWriter(1 << 20);
        var frames = new List<EvalFrameScore>();
        var skipped = new List<EvalSkippedFrame>();
        foreach (var frame in data.Frames)
        {
            using var bgr = Cv2.ImRead(frame.RgbPath, ImreadModes.Color);
            if (bgr.Empty()) throw new CliException($"{frame.RgbPath}: not a readable image");
            var (gt, mask, valid) = ReadGroundTruth(frame, data, bgr.Cols, bgr.Rows);
            int w = bgr.Cols, h = bgr.Rows, n = w * h;
            if (valid == 0)
            {
                skipped.Add(new(frame.Name, string.Create(CultureInfo.InvariantCulture, $"no ground-truth pixel in ({data.MinDepth}, {data.MaxDepth}) m")));
                continue;
            }

            float[]? sparseInput = null;
            if (source == MetricSource.SparseDepth)
            {
                // One valid ground-truth pixel in `every` is the sparse input (0 elsewhere: no measurement); only the
                // others are scored.
                sparseInput = new float[n];
                var k = 0;
                for (var i = 0; i < n; i++)
                {
                    if (!mask[i]) continue;
                    if (k++ % scoring.SparseEvery == 0) { sparseInput[i] = gt[i]; mask[i] = false; }
                }
            }

            // A fresh pipeline per frame: the frames are unrelated, so the node's temporal smoothing of the fit must
            // not carry one frame's scale into the next.
            var diagnostics = new NodeDiagnostics("eval", new StageTimings(4));
            using var pipeline = new DepthPipeline(options, model, diagnostics, sink);
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
                    (scale, shift) = GroundTruthAligner.Align(prediction, card.Output.Kind, gt, mask, scoring.Alignment, data.MinDepth, data.MaxDepth);
                    fitText = scoring.Alignment == GroundTruthAlignment.None ? "" : string.Create(CultureInfo.InvariantCulture, $"scale={scale:G6} shift={shift:G6}");
                }
                else
                {
                    for (var i = 0; i < n; i++) prediction[i] = float.IsNaN(depth[i]) ? data.MaxDepth : Math.Clamp(depth[i], data.MinDepth, data.MaxDepth);
                    fitText = pipeline.LastFit.ToString();
                    (scale, shift) = (pipeline.LastFit.Scale, pipeline.LastFit.Shift);
                }
            }
            frames.Add(new(frame.Name, DepthErrors.Compute(prediction, gt, mask), fitText, scale, shift));
        }
        if (frames.Count == 0)
            throw new CliException($"--data {data.Folder}: no frame could be scored ({string.Join("; ", skipped.Select(x => $"{x.Name}: {x.Reason}"))})");
        return new EvalReport(card.Name, card.Output.Kind, data.Layout, data.Folder, scoring.Name, model.Provider, frames, skipped);
    }

    /// <summary>Refuses a network whose output cannot be scored this way (relative output without an alignment).</summary>
    public static void EnsureScorable(ModelCard card, EvalScoring scoring)
    {
        if (scoring.MetricSource is not (null or MetricSource.GroundPlane or MetricSource.SparseDepth))
            throw new ArgumentException($"metric source {scoring.MetricSource} is not scored against ground truth (ground_plane or sparse_depth)", nameof(scoring));
        if (scoring.MetricSource is null && scoring.Alignment == GroundTruthAlignment.None && card.Output.Kind != DepthOutputKind.MetricDepth)
            throw new CliException($"model {card.Name} outputs {card.Output.Kind}, not metres: use --align scale|scale_shift or --metric-source", 2);
    }

    /// <summary>The frame's ground truth in metres, the mask of pixels inside the dataset's cap, and their count.</summary>
    private static (float[] Depth, bool[] Mask, int Valid) ReadGroundTruth(EvalFrame frame, EvalDataset data, int imageWidth, int imageHeight)
    {
        using var raw = Cv2.ImRead(frame.DepthPath, ImreadModes.Unchanged);
        if (raw.Empty() || raw.Type() != MatType.CV_16UC1)
            throw new CliException($"{frame.DepthPath}: expected a 16-bit single-channel PNG, got {(raw.Empty() ? "nothing" : raw.Type().ToString())}");
        int w = raw.Cols, h = raw.Rows;
        // Scores are per pixel at the image's own resolution; resampling ground truth would invent measurements.
        if (imageWidth != w || imageHeight != h)
            throw new CliException($"{frame.DepthPath}: ground truth is {w}x{h} but {frame.RgbPath} is {imageWidth}x{imageHeight}; " +
                                   "eval does not resample ground truth (resize one of them to the other's size first)");
        var gt = new float[w * h];
        var mask = new bool[w * h];
        var valid = 0;
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var z = (float)(raw.At<ushort>(y, x) * data.MetresPerUnit);
                gt[y * w + x] = z;
                if (mask[y * w + x] = z > data.MinDepth && z < data.MaxDepth) valid++;
            }
        return (gt, mask, valid);
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
    private static CameraInfo CameraFor(CameraInfo? file, int width, int height, MetricSource? source)
    {
        if (file is not null && file.Width == width && file.Height == height) return file;
        if (source == MetricSource.GroundPlane)
            throw new CliException($"camera_info.yaml is for {file!.Width}x{file.Height}, the images are {width}x{height}; the ground plane needs the image's own intrinsics");
        return new CameraModel(width, height, width, width, (width - 1) / 2.0, (height - 1) / 2.0).ToCameraInfo(new Header(default, "camera"));
    }

    private static string DropReason(NodeDiagnostics diagnostics)
    {
        foreach (var reason in Enum.GetValues<FrameDropReason>())
            if (diagnostics.Dropped(reason) > 0) return $"{SnakeCase.From(reason.ToString())}: {diagnostics.LastError(reason)}";
        return "unknown";
    }
}
