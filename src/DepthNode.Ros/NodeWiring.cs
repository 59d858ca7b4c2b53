#nullable enable
using System;
using System.Linq;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The node's topics on ROS, from its <see cref="NodeConfiguration"/>: a publisher per output (the runtime's sink) and
/// a serialized subscription per input, each bound to the runtime call for its role.
/// </summary>
internal static class NodeWiring
{
    public static SerializedOutputs Publishers(Node node, NodeConfiguration config, ThrottledLog throttled, ILogSink log)
    {
        var outputs = new SerializedOutputs(throttled);
        foreach (var topic in config.Topics.Where(t => t.IsPublisher))
            Check(topic, outputs.Add(node, topic), log);
        return outputs;
    }

    /// <summary>Subscribes every input; nothing is taken before <see cref="SerializedInputs.Start"/>.</summary>
    public static SerializedInputs Subscriptions(IntPtr rclNode, NodeConfiguration config, DepthNodeRuntime runtime,
        ThrottledLog throttled, ILogSink log)
    {
        var inputs = new SerializedInputs(rclNode, throttled);
        foreach (var topic in config.Topics.Where(t => !t.IsPublisher))
        {
            SerializedInputs.Handler handler = topic.Role switch
            {
                NodeTopic.Image when topic.MessageType == CompressedImage.RosTypeName => (cdr, t) => runtime.OnImage(cdr, compressed: true, t),
                NodeTopic.Image => (cdr, t) => runtime.OnImage(cdr, compressed: false, t),
                NodeTopic.CameraInfo => (cdr, _) => runtime.OnCameraInfo(cdr),
                NodeTopic.SparseDepth => (cdr, _) => runtime.OnSparseDepth(cdr),
                _ => throw new InvalidOperationException($"no input handler for {topic.Role}"),
            };
            Check(topic, inputs.Add(topic.Name, MessageTypes.TypeSupport(topic.MessageType), RmwQos.From(topic.Qos), handler), log);
        }
        return inputs;
    }

    /// <summary>Lazy outputs: hands the runtime each output's subscriber count (called from a timer).</summary>
    public static void ReportSubscribers(NodeConfiguration config, SerializedOutputs outputs, DepthNodeRuntime runtime)
    {
        foreach (var topic in config.Topics)
            if (topic.IsPublisher && outputs.SubscriberCount(topic.Name) is var n and >= 0) runtime.SetSubscriberCount(topic.Role, n);
    }

    // The core resolved every name as rcl does; a difference would mean the two disagree about remapping.
    private static void Check(ResolvedTopic topic, string rclName, ILogSink log)
    {
        if (rclName != topic.Name) log.Write(LogLevel.Warn, $"{topic.Role}: rcl resolved '{topic.Name}' to '{rclName}'");
    }
}
