using System.Runtime.InteropServices;
using DepthNode.Bags;
using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>Where a bag run reads its inputs; resolved against the bag's topics before the run.</summary>
public sealed record BagInputTopics(string Image, bool Compressed, string CameraInfo, string? SparseDepth);

/// <summary>Called after each processed frame with its index, the input payload and the outputs (previews, evaluation).</summary>
public delegate void FrameDoneHandler(long index, ReadOnlySpan<byte> input, DepthOutputs outputs);

/// <summary>What a bag run did.</summary>
public sealed record BagRunSummary(long Images, long Processed, long Dropped, IReadOnlyList<string> Warnings);

/// <summary>
/// Plays a recorded bag through the node's real per-frame path — pairing with CameraInfo, <see cref="DepthPipeline"/>,
/// diagnostics — and records every output to a new bag, deterministically: every frame is processed (no dropping,
/// since nothing runs in real time), outputs carry the input's log time, and /diagnostics is written once per
/// diagnostics period of bag time. This is the integration boundary that can be tested without ROS.
/// </summary>
public sealed class BagDepthRunner(DepthNodeOptions options, DepthPipeline pipeline, ILogSink log)
{
    /// <summary>Reliable, keep-last 5, volatile: rviz's default subscription matches, and so do best-effort consumers
    /// (ros2-depth-node-anchors §3.5). Written in the metadata v9 form.</summary>
    public const string OutputQos =
        "- history: keep_last\n  depth: 5\n  reliability: reliable\n  durability: volatile\n" +
        "  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  liveliness: automatic\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  avoid_ros_namespace_conventions: false\n";

    public FrameDoneHandler? FrameDone { get; init; }

    /// <summary>The input topics the last <see cref="Run"/> used.</summary>
    public BagInputTopics? Topics { get; private set; }

    /// <summary>Copy the input topics into the output bag too.</summary>
    public bool CopyInputs { get; init; }

    /// <summary>Stop after this many images (0 = all).</summary>
    public long Limit { get; init; }

    /// <summary>
    /// The configured topics if the bag has them; otherwise the bag's only Image (or CompressedImage) topic and the
    /// camera_info beside it, so a bag recorded under other names still runs (the choice is logged).
    /// </summary>
    public static BagInputTopics ResolveTopics(BagInfo info, DepthNodeOptions options, ILogSink log)
    {
        static bool Is(TopicSummary t, string type) => t.Topic.Type == type || t.Topic.Type == type.Replace("/msg/", "/", StringComparison.Ordinal);
        var topics = info.Topics;
        string? image = null;
        var compressed = false;
        if (topics.Any(t => t.Topic.Name == options.ImageTopic)) image = options.ImageTopic;
        else if (topics.Any(t => t.Topic.Name == options.CompressedImageTopic)) { image = options.CompressedImageTopic; compressed = true; }
        else
        {
            var raw = topics.Where(t => Is(t, "sensor_msgs/msg/Image") && t.Topic.Name != options.SparseDepthTopic).ToList();
            var comp = topics.Where(t => Is(t, "sensor_msgs/msg/CompressedImage")).ToList();
            if (raw.Count == 1) image = raw[0].Topic.Name;
            else if (raw.Count == 0 && comp.Count == 1) { image = comp[0].Topic.Name; compressed = true; }
            else throw new BagFormatException(
                $"the bag has no topic {options.ImageTopic} and {raw.Count} Image / {comp.Count} CompressedImage topics " +
                $"({string.Join(", ", raw.Concat(comp).Select(t => t.Topic.Name))}); name one with --image-topic");
            log.Write(LogLevel.Info, $"image topic {options.ImageTopic} not in the bag; using {image}");
        }
        var cameraInfo = options.CameraInfoTopic;
        if (!topics.Any(t => t.Topic.Name == cameraInfo))
        {
            var infos = topics.Where(t => Is(t, "sensor_msgs/msg/CameraInfo")).ToList();
            var ns = image[..Math.Max(0, image.LastIndexOf('/'))];
            var sibling = infos.FirstOrDefault(t => t.Topic.Name == ns + "/camera_info") ?? (infos.Count == 1 ? infos[0] : null);
            if (sibling is not null)
            {
                cameraInfo = sibling.Topic.Name;
                log.Write(LogLevel.Info, $"camera_info topic {options.CameraInfoTopic} not in the bag; using {cameraInfo}");
            }
            else log.Write(LogLevel.Warn, $"the bag has no camera_info topic for {image}; every frame will be dropped (no intrinsics)");
        }
        var sparse = options.MetricSource == Depth.MetricSource.SparseDepth ? options.SparseDepthTopic : null;
        return new BagInputTopics(image, compressed, cameraInfo, sparse);
    }

    public BagRunSummary Run(IBagReader input, IBagWriter output)
    {
        var topics = Topics = ResolveTopics(input.Info, options, log);
        AddOutputTopics(output, input, topics);
        var d = pipeline.Diagnostics;
        var pairing = new CameraInfoPairing<PendingFrame>(options.SyncMode, options.SyncSlopMs);
        var spare = new PendingFrame();
        float[]? sparse = null;
        var sparseValid = false;
        long images = 0, lastDiagnosticsNs = long.MinValue;
        var periodNs = (long)(options.DiagnosticsPeriodS * 1e9);
        var wanted = new List<string> { topics.Image, topics.CameraInfo };
        if (topics.SparseDepth is not null) wanted.Add(topics.SparseDepth);
        var read = new BagReadOptions { Topics = CopyInputs ? null : wanted, RequireCdr = !CopyInputs };
        using var diagnosticsWriter = new Cdr.CdrWriter(1024);

        foreach (var m in input.ReadMessages(read))
        {
            if (CopyInputs) output.Write(m.Topic.Name, m.LogTimeNs, m.PublishTimeNs, m.Data.Span);
            if (m.Topic.Name == topics.CameraInfo)
            {
                var info = RosMessage.Deserialize<CameraInfo>(m.Data);
                if (pairing.OfferCameraInfo(info, out var ready)) Process(ready.Image, ready.Info);
            }
            else if (m.Topic.Name == topics.SparseDepth)
            {
                sparseValid = DecodeSparse(m.Data.Span, ref sparse);
            }
            else if (m.Topic.Name == topics.Image)
            {
                if (Limit > 0 && images >= Limit) break;
                images++;
                var frame = spare;
                frame.Load(m);
                if (pairing.OfferImage(frame, StampOf(m.Data.Span), out var ready, out var dropped))
                {
                    Process(ready.Image, ready.Info);
                }
                else
                {
                    if (dropped is not null)
                        pipeline.ReportDropped(FrameDropReason.NoCameraInfo, dropped == PairingDrop.NoCameraInfoYet
                            ? $"no CameraInfo on {topics.CameraInfo} yet" : $"no CameraInfo on {topics.CameraInfo} matches the image stamp ({options.SyncMode})");
                    // The waiting frame owns its buffer now; the next image goes into a fresh one.
                    spare = new PendingFrame();
                }
            }
            if (m.LogTimeNs - lastDiagnosticsNs >= periodNs && images > 0)
            {
                WriteDiagnostics(output, diagnosticsWriter, m.LogTimeNs);
                lastDiagnosticsNs = m.LogTimeNs;
            }
        }
        if (pairing.Flush()) pipeline.ReportDropped(FrameDropReason.NoCameraInfo, $"the last image never got a CameraInfo on {topics.CameraInfo}");
        if (lastDiagnosticsNs != long.MinValue || images > 0) WriteDiagnostics(output, diagnosticsWriter, Math.Max(lastDiagnosticsNs + 1, 0));
        return new BagRunSummary(images, d.Processed, d.DroppedTotal, input.Warnings);

        void Process(PendingFrame frame, CameraInfo info)
        {
            var payload = frame.Payload;
            var sparseSpan = sparseValid ? sparse.AsSpan() : default;
            var ok = topics.Compressed
                ? pipeline.ProcessCompressedImage(payload, info, sparseSpan)
                : pipeline.ProcessImage(payload, info, sparseSpan);
            if (!ok) return;
            var o = pipeline.Outputs;
            long t = frame.LogTimeNs, p = frame.PublishTimeNs;
            if (o.HasDepth) output.Write(options.DepthTopic, t, p, o.Depth.WrittenSpan);
            if (o.HasCameraInfo) output.Write(options.DepthCameraInfoTopic, t, p, o.CameraInfo.WrittenSpan);
            if (o.HasCloud) output.Write(options.CloudTopic, t, p, o.Cloud.WrittenSpan);
            if (o.HasColorized) output.Write(options.ColorizedTopic, t, p, o.Colorized.WrittenSpan);
            if (o.HasMetadata) output.Write(options.MetadataTopic, t, p, o.Metadata.WrittenSpan);
            FrameDone?.Invoke(d.Processed - 1, payload, o);
        }
    }

    private void AddOutputTopics(IBagWriter output, IBagReader input, BagInputTopics topics)
    {
        if (CopyInputs)
            foreach (var t in input.Info.Topics) output.AddTopic(t.Topic);
        void Add(string name, string type) => output.AddTopic(new TopicInfo(name, type, "cdr", OutputQos, "", MessageDefinitions.Get(type)));
        if (options.PublishDepth) Add(options.DepthTopic, Image.RosTypeName);
        Add(options.DepthCameraInfoTopic, CameraInfo.RosTypeName);
        if (options.PublishCloud) Add(options.CloudTopic, PointCloud2.RosTypeName);
        if (options.PublishColorized) Add(options.ColorizedTopic, Image.RosTypeName);
        Add(options.MetadataTopic, DepthMetadata.RosTypeName);
        if (!CopyInputs || !input.Info.Topics.Any(t => t.Topic.Name == "/diagnostics")) Add("/diagnostics", DiagnosticArray.RosTypeName);
    }

    private void WriteDiagnostics(IBagWriter output, Cdr.CdrWriter writer, long logTimeNs)
    {
        var r = pipeline.Diagnostics.Report(TimeSpan.FromTicks(logTimeNs / 100));
        var status = new DiagnosticStatus((byte)r.Level, "depth_node: " + r.Name, r.Message, "depth_node",
            r.Values.Select(kv => new KeyValue(kv.Key, kv.Value)).ToArray());
        writer.Reset();
        RosMessage.Serialize(new DiagnosticArray(new Header(RosTime.FromNanoseconds(logTimeNs), ""), [status]), writer);
        output.Write("/diagnostics", logTimeNs, logTimeNs, writer.WrittenSpan);
    }

    /// <summary>A sparse metric depth image (32FC1 metres or 16UC1 millimetres) into a reused float buffer.</summary>
    private bool DecodeSparse(ReadOnlySpan<byte> payload, ref float[]? buffer)
    {
        try
        {
            var view = ImageMessageView.Parse(payload);
            var n = checked((int)(view.Width * view.Height));
            if (buffer is null || buffer.Length != n) buffer = new float[n];
            var enc = System.Text.Encoding.ASCII.GetString(view.EncodingUtf8);
            for (var y = 0; y < view.Height; y++)
            {
                var row = view.Data.Slice(checked((int)(y * view.Step)), (int)view.Width * (enc == "16UC1" ? 2 : 4));
                var dst = buffer.AsSpan(y * (int)view.Width, (int)view.Width);
                if (enc == "32FC1") MemoryMarshal.Cast<byte, float>(row).CopyTo(dst);
                else if (enc == "16UC1") { var mm = MemoryMarshal.Cast<byte, ushort>(row); for (var x = 0; x < dst.Length; x++) dst[x] = mm[x] == 0 ? float.NaN : mm[x] / 1000f; }
                else throw new InvalidDataException($"sparse depth encoding '{enc}' is not 32FC1 or 16UC1");
            }
            return true;
        }
        catch (Exception e) when (e is Cdr.CdrException or InvalidDataException or ArgumentOutOfRangeException or OverflowException)
        {
            log.Write(LogLevel.Warn, $"sparse depth on {options.SparseDepthTopic} unusable: {e.Message}");
            return false;
        }
    }

    private static long StampOf(ReadOnlySpan<byte> payload)
    {
        // sec and nanosec are the first two fields of every stamped message (offsets 4 and 8 with the CDR header).
        try
        {
            var r = new Cdr.CdrReader(payload);
            return new RosTime(r.ReadInt32("header.stamp.sec"), r.ReadUInt32("header.stamp.nanosec")).TotalNanoseconds;
        }
        catch (Cdr.CdrException) { return 0; }
    }

    /// <summary>A copy of an image payload, since bag data is only valid until the next message is read.</summary>
    private sealed class PendingFrame
    {
        private byte[] _buffer = new byte[4096];
        private int _length;
        public long LogTimeNs { get; private set; }
        public long PublishTimeNs { get; private set; }
        public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, _length);

        public void Load(BagMessage m)
        {
            if (_buffer.Length < m.Data.Length) _buffer = new byte[m.Data.Length];
            m.Data.Span.CopyTo(_buffer);
            _length = m.Data.Length;
            LogTimeNs = m.LogTimeNs;
            PublishTimeNs = m.PublishTimeNs;
        }
    }
}
