#nullable enable
using System;
using System.Collections.Generic;
using DepthNode.NodeLogic;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The runtime's sink: every output is already CDR, so it goes out through the shim's serialized publish on the
/// rcl_publisher_t of an rcldotnet publisher. rcldotnet creates the publishers (their type support, QoS and lifetime);
/// its typed <c>Publish</c>, which would copy a cloud one byte per native call, is never used.
/// </summary>
internal sealed unsafe class SerializedOutputs : IDepthOutputSink, IDisposable
{
    private readonly Dictionary<string, Output> _outputs = new(StringComparer.Ordinal);
    private readonly ThrottledLog _log;

    public SerializedOutputs(ThrottledLog log) => _log = log;

    /// <summary>Creates the publisher of one output under its resolved name (the name the runtime publishes on);
    /// returns the name rcl resolved it to.</summary>
    public string Add(Node node, ResolvedTopic topic)
    {
        var publisher = MessageTypes.CreatePublisher(node, topic.MessageType, topic.Name, MessageTypes.ToRcldotnet(topic.Qos));
        var output = new Output(publisher, RclHandle.Of(publisher));
        _outputs.Add(topic.Name, output);
        return RclShim.Text(RclShim.dn_publisher_topic_name(output.Handle.Pointer));
    }

    public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs)
    {
        if (!_outputs.TryGetValue(topic, out var output))
        {
            _log.Log("unknown_output", LogLevel.Error, $"the runtime published on {topic}, which has no publisher");
            return;
        }
        int ret;
        fixed (byte* data = cdr) ret = RclShim.dn_publish_serialized(output.Handle.Pointer, data, (nuint)cdr.Length);
        if (ret != RclShim.Ok)
            _log.Log("publish " + topic, LogLevel.Warn, $"publishing on {topic} failed (rcl_ret_t {ret}): {RclShim.LastError()}");
    }

    /// <summary>Subscribers matched to the publisher of <paramref name="topic"/> (-1 when unknown).</summary>
    public int SubscriberCount(string topic) =>
        _outputs.TryGetValue(topic, out var output) &&
        RclShim.dn_publisher_subscription_count(output.Handle.Pointer, out var count) == RclShim.Ok ? (int)count : -1;

    public void Dispose()
    {
        foreach (var output in _outputs.Values) output.Handle.Dispose();
        _outputs.Clear();
    }

    // The rcldotnet publisher is kept referenced: its finalizer would free the rcl_publisher_t the shim publishes on.
    private sealed record Output(Publisher Owner, RclHandle Handle);
}
