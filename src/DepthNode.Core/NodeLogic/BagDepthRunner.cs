using System.Diagnostics;
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
    public static readonly string OutputQos = QosYaml.ReliableVolatileKeepLast(5);

    public FrameDoneHandler? FrameDone { get; init; }


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
        // The names the node would use (relative ones under the root namespace).
        var names = NodeConfiguration.ForOptions(options);
        options = options with
        {
            ImageTopic = names.ResolveName(options.ImageTopic),
            CompressedImageTopic = names.ResolveName(options.CompressedImageTopic),
            CameraInfoTopic = names.ResolveName(options.CameraInfoTopic),
            SparseDepthTopic = names.ResolveName(options.SparseDepthTopic),
        };
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

    /// <summary>
    /// 0 (default): every frame is processed, inside the read loop, deterministically. Above 0: the bag is played at
    /// its recorded pace times this factor through the live node (worker thread, newest frame wins), so what a vehicle
    /// would see — frames dropped when inference cannot keep up — is measured on the recording.
    /// </summary>
    public double Rate { get; init; }

    /// <param name="topics">Input topics already chosen with <see cref="ResolveTopics"/> (null: choose them now).</param>
    public BagRunSummary Run(IBagReader input, IBagWriter output, BagInputTopics? topics = null)
    {
        topics ??= ResolveTopics(input.Info, options, log);
        AddOutputTopics(output, input, topics);
        var sink = new BagSink(output);
        using var node = new DepthNodeRuntime(options, pipeline, sink, log, synchronous: Rate <= 0) { FrameDone = FrameDone };
        long images = 0, firstNs = long.MinValue, lastLogNs = 0;
        long? lastDiagnosticsNs = null;
        var periodNs = (long)(options.DiagnosticsPeriodS * 1e9);
        var wanted = new List<string> { topics.Image, topics.CameraInfo };
        if (topics.SparseDepth is not null) wanted.Add(topics.SparseDepth);
        var read = new BagReadOptions { Topics = CopyInputs ? null : wanted, RequireCdr = !CopyInputs };
        var clock = Stopwatch.StartNew();

        foreach (var m in input.ReadMessages(read))
        {
            if (Rate > 0)
            {
                if (firstNs == long.MinValue) firstNs = m.LogTimeNs;
                var due = TimeSpan.FromTicks((long)((m.LogTimeNs - firstNs) / Rate / 100));
                if (due > clock.Elapsed) Thread.Sleep(due - clock.Elapsed);
            }
            if (CopyInputs) sink.Publish(m.Topic.Name, m.Data.Span, m.LogTimeNs);
            if (m.Topic.Name == topics.CameraInfo) node.OnCameraInfo(m.Data.Span);
            else if (m.Topic.Name == topics.SparseDepth) node.OnSparseDepth(m.Data.Span);
            else if (m.Topic.Name == topics.Image)
            {
                if (Limit > 0 && images >= Limit) break;
                images++;
                node.OnImage(m.Data.Span, topics.Compressed, m.LogTimeNs);
            }
            lastLogNs = m.LogTimeNs;
            // Once per diagnostics period of bag time, starting with the first image.
            if (images > 0 && (lastDiagnosticsNs is not { } last || m.LogTimeNs - last >= periodNs))
            {
                node.PublishDiagnostics(RosTime.FromNanoseconds(m.LogTimeNs));
                lastDiagnosticsNs = m.LogTimeNs;
            }
        }
        node.Flush();
        if (!node.Drain(TimeSpan.FromMinutes(1))) log.Write(LogLevel.Error, "the worker did not finish the last frames within a minute");
        if (images > 0) node.PublishDiagnostics(RosTime.FromNanoseconds(lastLogNs)); // the final counts, at the end of the bag
        var d = pipeline.Diagnostics;
        return new BagRunSummary(images, d.Processed, d.DroppedTotal, input.Warnings);
    }

    /// <summary>Records outputs at the receive time of the input they came from; the worker thread and the reader
    /// thread both write, hence the lock.</summary>
    private sealed class BagSink(IBagWriter output) : IDepthOutputSink
    {
        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs)
        {
            lock (output) output.Write(topic, inputReceiveTimeNs, inputReceiveTimeNs, cdr);
        }
    }

    private void AddOutputTopics(IBagWriter output, IBagReader input, BagInputTopics topics)
    {
        if (CopyInputs)
            foreach (var t in input.Info.Topics) output.AddTopic(t.Topic);
        foreach (var t in NodeConfiguration.ForOptions(options).Topics.Where(t => t.IsPublisher))
            if (!CopyInputs || !input.Info.Topics.Any(i => i.Topic.Name == t.Name))
                output.AddTopic(new TopicInfo(t.Name, t.MessageType, "cdr", OutputQos, "", MessageDefinitions.Get(t.MessageType)));
    }
}
