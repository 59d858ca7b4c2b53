using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Inference;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode bench`: the node's per-frame path on real-size frames, stage by stage (median and p99 over at least
/// 200 frames), bytes allocated per frame, frames per second end to end, and — as the peer measured in the same run —
/// the network alone, so the pipeline's cost is read as a ratio and not as a number from a noisy machine.
/// </summary>
public sealed class BenchCommand : ICommand, IHasValueOptions
{
    public string Name => "bench";
    public string Summary => "time every pipeline stage (median, p99), allocations per frame, fps, against the bare network";
    public string Usage => "bench [--frames N] [--warmup N] [--images <folder of png/jpg>] [--compressed] [--threads N] " +
        "[--model <card|onnx>] [--metric-source model|ground_plane] [--json]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["frames", "warmup", "images", "threads", "model", "metric-source"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var frames = args.IntOption("frames", 200, min: 1);
        var warmup = args.IntOption("warmup", 20, min: 0);
        var images = args.Option("images");
        var compressed = args.Flag("compressed");
        var threads = args.IntOption("threads", 0, min: 0, meaning: "0 = ONNX Runtime's default");
        var json = args.Flag("json");
        var options = new DepthNodeOptions { MetricSource = MetricSource.GroundPlane, CameraHeightM = StreetScene.CameraHeight };
        if (args.Option("model") is { } model) options = options with { Model = model };
        if (args.Option("metric-source") is { } source)
            options = options with { MetricSource = RunCommand.ParseMetricSource(source, MetricSource.Model, MetricSource.GroundPlane) };
        args.EnsureAllUsed(0);
        if (frames < 1 || warmup < 0) throw new CliException("--frames must be >= 1 and --warmup >= 0", 2);

        var (payloads, info, inputName) = images is null ? StreetFrames(compressed) : FolderFrames(images, compressed);
        var log = new TextLogSink(stderr);
        using var depthModel = DepthModelFactory.Open(options, line => log.Write(NodeLogic.LogLevel.Info, line), threads > 0 ? threads : null);
        var diagnostics = new NodeDiagnostics("depth_node", new StageTimings(Math.Max(frames, 1)));
        using var pipeline = new DepthPipeline(options, depthModel, diagnostics, log);

        bool Process(int i) => compressed
            ? pipeline.ProcessCompressedImage(payloads[i % payloads.Length], info)
            : pipeline.ProcessImage(payloads[i % payloads.Length], info);
        for (var i = 0; i < warmup; i++)
            if (!Process(i))
                throw new CliException($"warm-up frame {i} was dropped: " +
                    (Enum.GetValues<FrameDropReason>().Select(diagnostics.LastError).FirstOrDefault(e => e is not null) ?? "see the log"));
        diagnostics.Timings.Clear();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var gcBefore = GC.CollectionCount(0);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < frames; i++) Process(i);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var allocatedPerFrame = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)frames;
        var gcs = GC.CollectionCount(0) - gcBefore;

        // The peer: the same network called alone on the same input size, nothing else.
        // The peer's input: the size the pipeline used for these frames (camera size, as in the CameraInfo).
        var size = depthModel.InputSizeFor((int)info.Width, (int)info.Height);
        depthModel.GetInputBuffer(size).Fill(0.5f);
        var networkOnly = new StageTimings(frames);
        for (var i = 0; i < frames; i++)
        {
            var before = Stopwatch.GetTimestamp();
            depthModel.Run();
            networkOnly.Record(PipelineStage.Inference, before, Stopwatch.GetTimestamp());
        }

        var t = diagnostics.Timings;
        var stages = Enum.GetValues<PipelineStage>().Where(s => t.Count(s) > 0).ToArray();
        var networkMedian = networkOnly.Median(PipelineStage.Inference);
        var fps = frames / seconds;
        if (json)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var w = new Utf8JsonWriter(buffer);
            w.WriteStartObject();
            w.WriteString("input", inputName);
            w.WriteString("model", depthModel.Card.Name);
            w.WriteString("provider", depthModel.Provider);
            w.WriteNumber("threads", threads);
            w.WriteNumber("frames", frames);
            w.WriteStartObject("stages");
            foreach (var s in stages)
            {
                w.WriteStartObject(StageName(s));
                w.WriteNumber("median_ms", Math.Round(t.Median(s), 4));
                w.WriteNumber("p99_ms", Math.Round(t.Quantile(s, 0.99), 4));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteNumber("network_only_median_ms", Math.Round(networkMedian, 4));
            w.WriteNumber("total_over_network_only", Math.Round(t.Median(PipelineStage.Total) / networkMedian, 4));
            w.WriteNumber("fps", Math.Round(fps, 2));
            w.WriteNumber("allocated_bytes_per_frame", Math.Round(allocatedPerFrame, 1));
            w.WriteNumber("gen0_collections", gcs);
            w.WriteEndObject();
            w.Flush();
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            return 0;
        }
        stdout.WriteLine($"input: {inputName}; model {depthModel.Card.Name} on {depthModel.Provider}, threads {(threads > 0 ? threads.ToString(CultureInfo.InvariantCulture) : "default")}; {frames} frames after {warmup} warm-up");
        stdout.WriteLine($"{"stage",-14} {"median ms",10} {"p99 ms",10}");
        foreach (var s in stages)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{StageName(s),-14} {t.Median(s),10:0.000} {t.Quantile(s, 0.99),10:0.000}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"network alone (peer, same run): median {networkMedian:0.000} ms; pipeline total / network alone = {t.Median(PipelineStage.Total) / networkMedian:0.00}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"end to end: {fps:0.0} frames/s; allocated {allocatedPerFrame:0.#} bytes/frame; {gcs} gen-0 collections"));
        return 0;
    }

    private static string StageName(PipelineStage s) => SnakeCase.From(s.ToString());

    /// <summary>Ten rendered street frames, serialized as a camera driver sends them.</summary>
    private static (byte[][] Payloads, CameraInfo Info, string Name) StreetFrames(bool compressed)
    {
        var payloads = new byte[10][];
        var rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
        var depth = new float[StreetScene.Width * StreetScene.Height];
        for (var f = 0; f < payloads.Length; f++)
        {
            StreetScene.Render(f, rgb, depth);
            payloads[f] = Serialize(StreetScene.HeaderAt(f), rgb, StreetScene.Width, StreetScene.Height, compressed);
        }
        return (payloads, StreetScene.CameraInfoAt(0), $"rendered street 1242x375 {(compressed ? "jpeg" : "rgb8")}");
    }

    /// <summary>Every PNG/JPEG in a folder (e.g. ../shared/data/kitti/raw_depth_gt/rgb), with a camera_info.yaml beside or above it.</summary>
    private static (byte[][] Payloads, CameraInfo Info, string Name) FolderFrames(string folder, bool compressed)
    {
        if (!Directory.Exists(folder)) throw new CliException($"--images {folder} is not a folder");
        var files = Directory.GetFiles(folder).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).Order().ToArray();
        if (files.Length == 0) throw new CliException($"--images {folder} holds no .png or .jpg");
        var yaml = new[] { Path.Combine(folder, "camera_info.yaml"), Path.Combine(folder, "..", "camera_info.yaml") }.FirstOrDefault(File.Exists)
            ?? throw new CliException($"no camera_info.yaml in {folder} or its parent");
        var info = Camera.CameraInfoYaml.Load(yaml, "camera_optical_frame");
        var payloads = files.Select((f, i) =>
        {
            using var bgr = Cv2.ImRead(f, ImreadModes.Color);
            using var rgbMat = new Mat();
            Cv2.CvtColor(bgr, rgbMat, ColorConversionCodes.BGR2RGB);
            var rgb = new byte[rgbMat.Width * rgbMat.Height * 3];
            System.Runtime.InteropServices.Marshal.Copy(rgbMat.Data, rgb, 0, rgb.Length);
            return Serialize(new Header(RosTime.FromNanoseconds(i * 100_000_000L), "camera_optical_frame"), rgb, rgbMat.Width, rgbMat.Height, compressed);
        }).ToArray();
        return (payloads, info, $"{files.Length} frames from {folder} {(compressed ? "(jpeg)" : "(rgb8)")}");
    }

    private static byte[] Serialize(Header header, byte[] rgb, int width, int height, bool compressed)
    {
        using var w = new CdrWriter(rgb.Length + 256);
        if (compressed)
        {
            using var m = Mat.FromPixelData(height, width, MatType.CV_8UC3, rgb);
            using var bgr = new Mat();
            Cv2.CvtColor(m, bgr, ColorConversionCodes.RGB2BGR);
            Cv2.ImEncode(".jpg", bgr, out var jpeg);
            RosMessage.Serialize(new CompressedImage(header, "jpeg", jpeg), w);
        }
        else
        {
            rgb.CopyTo(Image.WriteUpToData(w, header, (uint)height, (uint)width, "rgb8", (uint)(width * 3)));
            w.Flush();
        }
        return w.WrittenSpan.ToArray();
    }
}
