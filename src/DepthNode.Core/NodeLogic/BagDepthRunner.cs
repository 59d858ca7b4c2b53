using System.Diagnostics;
using DepthNode.Bags;
using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>
/// Plays a recorded bag through the node's real per-frame path — pairing with CameraInfo, <see cref="DepthPipeline"/>,
/// diagnostics — and records every output to a new bag, deterministically: every frame is processed (no dropping,
/// since nothing runs in real time), outputs carry the input's log time, and /diagnostics is written once per
/// diagnostics period of bag time. This is the integration boundary that can be tested without ROS.
/// </summary>
public sealed class BagDepthRunner(DepthNodeOptions options, DepthPipeline pipeline, ILogSink log)
{
    public FrameDoneHandler? FrameDone { get; init; }

    /// <summary>Copy the input topics into the output bag too.</summary>
    public bool CopyInputs { get; init; }

    /// <summary>Stop after this many images (0 = all).</summary>
    public long Limit { get; init; }

    /// <summary>
    /// 0 (default): every frame is processed, inside the read loop, deterministically. Above 0: the bag is played at
    /// its recorded pace times this factor through the live node (worker thread, newest frame wins), so what a vehicle
    /// would see — frames dropped when inference cannot keep up — is measured on the recording.
    /// </summary>
    public double Rate { get; init; }

    /// <param name="topics">Input topics already chosen with <see cref="BagInputTopics.Choose"/> (null: choose them now).</param>
    public BagRunSummary Run(IBagReader input, IBagWriter output, BagInputTopics? topics = null)
    {
        topics ??= BagInputTopics.Choose(input.Info, options, log);
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
                // Recorded with the QoS the live node offers (output_qos_*, qos_overrides), so a replay matches it.
                output.AddTopic(new TopicInfo(t.Name, t.MessageType, "cdr", t.Qos.ToBagYaml(), "", MessageDefinitions.Get(t.MessageType)));
    }
}
