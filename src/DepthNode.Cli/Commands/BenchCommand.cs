using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DepthNode.Camera;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode bench`: the node's per-frame path on real-size frames, stage by stage (median and p99 over 400 frames by
/// default), bytes allocated per frame, frames per second of the pipeline, and — as the peer, interleaved frame by
/// frame in the same run — the network alone, so the pipeline's cost is read as a ratio and not as a number from a
/// noisy machine. `--size WxH` resizes every input frame (and scales its CameraInfo) to study how the cost scales.
/// </summary>
public sealed class BenchCommand : ICommand, IHasValueOptions
{
    public string Name => "bench";
    public string Summary => "time every pipeline stage (median, p99), allocations per frame, fps, against the bare network";
    public string Usage => "bench [--frames N] [--warmup N] [--images <folder of png/jpg>] [--size WxH] [--compressed] [--threads N] " +
        "[--model <card|onnx>] [--metric-source model|ground_plane] [--json] | bench --decoders [--frames N] [--warmup N] [--images <folder>]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["frames", "warmup", "images", "size", "threads", "model", "metric-source"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var frames = args.IntOption("frames", 400, min: 1);
        // On one CPU the JIT's tiering (tier 0 → instrumented → tier 1, plus OSR) is still recompiling hot loops after
        // a few dozen frames; 400 frames is past it.
        var warmup = args.IntOption("warmup", 400, min: 0);
        var images = args.Option("images");
        var compressed = args.Flag("compressed");
        var threads = args.IntOption("threads", 0, min: 0, meaning: "0 = ONNX Runtime's default");
        var json = args.Flag("json");
        if (args.Flag("decoders"))
        {
            args.EnsureAllUsed(0);
            return DecoderBench.Run(frames, warmup, images, stdout);
        }
        var resize = args.Option("size") is { } sizeText ? ParseSize(sizeText) : ((int Width, int Height)?)null;
        var options = new DepthNodeOptions { MetricSource = MetricSource.GroundPlane, CameraHeightM = StreetScene.CameraHeight };
        if (args.Option("model") is { } model) options = options with { Model = model };
        if (args.Option("metric-source") is { } source)
            options = options with { MetricSource = RunCommand.ParseMetricSource(source, MetricSource.Model, MetricSource.GroundPlane) };
        args.EnsureAllUsed(0);
        if (frames < 1 || warmup < 0) throw new CliException("--frames must be >= 1 and --warmup >= 0", 2);

        var (payloads, info, inputName) = images is null ? StreetFrames(compressed, resize) : FolderFrames(images, compressed, resize);
        var log = new TextLogSink(stderr);
        using var depthModel = DepthModelFactory.Open(options, line => log.Write(NodeLogic.LogLevel.Info, line), threads > 0 ? threads : null, modelDirectory: CheckoutModels.Directory);
        var diagnostics = new NodeDiagnostics("depth_node", new StageTimings(Math.Max(frames, 1)));
        using var pipeline = new DepthPipeline(options, depthModel, diagnostics, log);

        bool Process(int i) => compressed
            ? pipeline.ProcessCompressedImage(payloads[i % payloads.Length], info)
            : pipeline.ProcessImage(payloads[i % payloads.Length], info);

        // The peer, the network alone, runs right after each pipeline frame on the tensor that frame left in the input
        // buffer: both see the same machine load, caches and clock, frame by frame (timing the peer after all pipeline
        // frames would compare two different stretches of a noisy machine).
        var networkOnly = new StageTimings(Math.Max(frames, 1));
        for (var i = 0; i < warmup; i++)
        {
            if (!Process(i))
                throw new CliException($"warm-up frame {i} was dropped: " +
                    (Enum.GetValues<FrameDropReason>().Select(diagnostics.LastError).FirstOrDefault(e => e is not null) ?? "see the log"));
            depthModel.Run();
        }
        diagnostics.Timings.Clear();
        long allocated = 0, pipelineTicks = 0;
        // Thread CPU time as well as wall time: on a shared machine a frame's wall time includes the time other
        // processes held the core, its CPU time does not (ONNX Runtime with one intra-op thread runs on this thread).
        var cpu = new StageTimings(Math.Max(frames, 1));
        var gcBefore = GC.CollectionCount(0);
        for (var i = 0; i < frames; i++)
        {
            var cpuStart = ThreadCpu.Milliseconds();
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            Process(i);
            var end = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
            var cpuEnd = ThreadCpu.Milliseconds();
            pipelineTicks += end - start;
            var before = Stopwatch.GetTimestamp();
            depthModel.Run();
            networkOnly.Record(PipelineStage.Inference, before, Stopwatch.GetTimestamp());
            cpu.RecordMs(PipelineStage.Total, cpuEnd - cpuStart);
            cpu.RecordMs(PipelineStage.Inference, ThreadCpu.Milliseconds() - cpuEnd);
        }
        var seconds = pipelineTicks / (double)Stopwatch.Frequency;
        var allocatedPerFrame = allocated / (double)frames;
        var gcs = GC.CollectionCount(0) - gcBefore;

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
            w.WriteNumber("cpu_total_median_ms", Math.Round(cpu.Median(PipelineStage.Total), 4));
            w.WriteNumber("cpu_network_only_median_ms", Math.Round(cpu.Median(PipelineStage.Inference), 4));
            w.WriteNumber("total_over_network_only", Math.Round(t.Median(PipelineStage.Total) / networkMedian, 4));
            w.WriteNumber("fps", Math.Round(fps, 2));
            w.WriteNumber("allocated_bytes_per_frame", Math.Round(allocatedPerFrame, 1));
            w.WriteNumber("gen0_collections", gcs);
            w.WriteEndObject();
            w.Flush();
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            return 0;
        }
        stdout.WriteLine($"input: {inputName}; model {depthModel.Card.Name} on {depthModel.Provider}, threads {(threads > 0 ? threads.ToString(CultureInfo.InvariantCulture) : "default")}; {frames} frames after {warmup} warm-up, each followed by one network-alone run");
        stdout.WriteLine($"{"stage",-14} {"median ms",10} {"p99 ms",10}");
        foreach (var s in stages)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{StageName(s),-14} {t.Median(s),10:0.000} {t.Quantile(s, 0.99),10:0.000}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"network alone (peer, interleaved): median {networkMedian:0.000} ms; pipeline total / network alone = {t.Median(PipelineStage.Total) / networkMedian:0.00}"));
        if (ThreadCpu.Available)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"thread CPU time (not counting time other processes held the core): pipeline frame median {cpu.Median(PipelineStage.Total):0.000} ms, network alone {cpu.Median(PipelineStage.Inference):0.000} ms; " +
                $"difference (the work outside the network) {cpu.Median(PipelineStage.Total) - cpu.Median(PipelineStage.Inference):0.000} ms; ratio {cpu.Median(PipelineStage.Total) / cpu.Median(PipelineStage.Inference):0.00}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline alone: {fps:0.0} frames/s; allocated {allocatedPerFrame:0.#} bytes/frame; {gcs} gen-0 collections"));
        return 0;
    }

    private static string StageName(PipelineStage s) => SnakeCase.From(s.ToString());

    /// <summary>Ten rendered street frames, serialized as a camera driver sends them.</summary>
    private static (byte[][] Payloads, CameraInfo Info, string Name) StreetFrames(bool compressed, (int Width, int Height)? size)
    {
        var payloads = new byte[10][];
        var rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
        var depth = new float[StreetScene.Width * StreetScene.Height];
        for (var f = 0; f < payloads.Length; f++)
        {
            StreetScene.Render(f, rgb, depth);
            using var m = Mat.FromPixelData(StreetScene.Height, StreetScene.Width, MatType.CV_8UC3, rgb);
            payloads[f] = Serialize(StreetScene.HeaderAt(f), m, compressed, size);
        }
        var info = StreetScene.CameraInfoAt(0);
        if (size is { } s) info = CameraModel.ScaleCameraInfo(info, s.Width, s.Height);
        return (payloads, info, $"rendered street {info.Width}x{info.Height} {(compressed ? "jpeg" : "rgb8")}");
    }

    /// <summary>Every PNG/JPEG in a folder (e.g. ../shared/data/kitti/raw_depth_gt/rgb), with a camera_info.yaml beside or above it.</summary>
    private static (byte[][] Payloads, CameraInfo Info, string Name) FolderFrames(string folder, bool compressed, (int Width, int Height)? size)
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
            return Serialize(new Header(RosTime.FromNanoseconds(i * 100_000_000L), "camera_optical_frame"), rgbMat, compressed, size);
        }).ToArray();
        if (size is { } s) info = CameraModel.ScaleCameraInfo(info, s.Width, s.Height);
        return (payloads, info, $"{files.Length} frames from {folder}, {info.Width}x{info.Height} {(compressed ? "(jpeg)" : "(rgb8)")}");
    }

    /// <summary>An rgb8 frame as a camera driver sends it: raw Image, or JPEG CompressedImage; resized first when asked.</summary>
    private static unsafe byte[] Serialize(Header header, Mat rgb, bool compressed, (int Width, int Height)? size)
    {
        using var resized = new Mat();
        if (size is { } s && (s.Width != rgb.Width || s.Height != rgb.Height))
            Cv2.Resize(rgb, resized, new Size(s.Width, s.Height), 0, 0,
                s.Width < rgb.Width ? InterpolationFlags.Area : InterpolationFlags.Linear);
        else rgb.CopyTo(resized);
        int width = resized.Width, height = resized.Height;
        using var w = new CdrWriter(width * height * 3 + 256);
        if (compressed)
        {
            using var bgr = new Mat();
            Cv2.CvtColor(resized, bgr, ColorConversionCodes.RGB2BGR);
            Cv2.ImEncode(".jpg", bgr, out var jpeg);
            RosMessage.Serialize(new CompressedImage(header, "jpeg", jpeg), w);
        }
        else
        {
            var data = Image.WriteUpToData(w, header, (uint)height, (uint)width, "rgb8", (uint)(width * 3));
            for (var y = 0; y < height; y++)
                new ReadOnlySpan<byte>((void*)resized.Ptr(y), width * 3).CopyTo(data.Slice(y * width * 3, width * 3)); // Mat rows may be padded
            w.Flush();
        }
        return w.WrittenSpan.ToArray();
    }

    private static (int Width, int Height) ParseSize(string text)
    {
        var parts = text.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && w is >= 16 and <= 8192 && h is >= 16 and <= 8192)
            return (w, h);
        throw new CliException($"--size '{text}' is not WIDTHxHEIGHT with each side 16..8192 (e.g. 1920x1080)", 2);
    }
}

/// <summary>This thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID); NaN where unavailable.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static bool Available { get; } = OperatingSystem.IsLinux() && !double.IsNaN(Milliseconds());

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var t) != 0) return double.NaN;
        return t.Seconds * 1000.0 + t.Nanoseconds / 1e6;
    }
}
