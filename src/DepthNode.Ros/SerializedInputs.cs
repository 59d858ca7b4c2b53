#nullable enable
using System;
using System.Collections.Generic;
using System.Threading;
using DepthNode.NodeLogic;

namespace DepthNode.Ros;

/// <summary>
/// The node's subscriptions, taken serialized on a thread of their own: rcldotnet's executor would take them as typed
/// messages (one native call per byte), so they live in the shim's wait set, not in rcldotnet's. Each message is handed
/// to its handler as a span over the shim's reused buffer and the loop goes back to waiting: the runtime copies what it
/// keeps, so this thread never waits for inference.
/// </summary>
internal sealed unsafe class SerializedInputs : IDisposable
{
    public delegate void Handler(ReadOnlySpan<byte> cdr, long receiveTimeNs);

    private static readonly long WaitNs = 100_000_000; // how often the loop looks at the stop flag
    private readonly IntPtr _node;
    private readonly ThrottledLog _log;
    private readonly List<IntPtr> _subscriptions = new();
    private readonly List<Handler> _handlers = new();
    private long[] _received = [];
    private IntPtr _waiter;
    private Thread? _thread;
    private volatile bool _stopping;

    public SerializedInputs(IntPtr rclNode, ThrottledLog log)
    {
        _node = rclNode;
        _log = log;
    }

    /// <summary>Subscribes before <see cref="Start"/>; returns the topic name rcl resolved (namespace, remaps).</summary>
    public string Add(string topic, IntPtr typeSupport, RmwQos qos, Handler handler)
    {
        var name = RclShim.Utf8z(topic);
        IntPtr subscription;
        fixed (byte* n = name)
            RclShim.Check(RclShim.dn_subscription_create(_node, typeSupport, n, qos.History, qos.Depth, qos.Reliability,
                qos.Durability, out subscription), $"subscribing to {topic}");
        _subscriptions.Add(subscription);
        _handlers.Add(handler);
        return RclShim.Text(RclShim.dn_subscription_topic_name(subscription));
    }

    /// <summary>Messages taken on the i-th subscription (read by the diagnostics timer).</summary>
    public long Received(int index) => index < _received.Length ? Volatile.Read(ref _received[index]) : 0;

    /// <summary>Publishers rcl sees on the i-th subscription's topic: 0 means nobody publishes there (or under another
    /// name), more than 0 with nothing received means their QoS does not match ours.</summary>
    public int PublisherCount(int index) =>
        RclShim.dn_subscription_publisher_count(_subscriptions[index], out var count) == RclShim.Ok ? (int)count : -1;

    public void Start()
    {
        _received = new long[_subscriptions.Count];
        RclShim.Check(RclShim.dn_waiter_create(_node, (nuint)_subscriptions.Count, out _waiter), "creating the input wait set");
        _thread = new Thread(Run) { IsBackground = true, Name = "depth_node take" };
        _thread.Start();
    }

    private void Run()
    {
        var subscriptions = _subscriptions.ToArray();
        var ready = new byte[subscriptions.Length];
        fixed (IntPtr* s = subscriptions)
        fixed (byte* r = ready)
            while (!_stopping)
            {
                var ret = RclShim.dn_wait(_waiter, s, (nuint)subscriptions.Length, WaitNs, r);
                if (ret == RclShim.Timeout) continue;
                if (ret != RclShim.Ok)
                {
                    _log.Log("wait", LogLevel.Error, $"waiting for input failed (rcl_ret_t {ret}): {RclShim.LastError()}");
                    Thread.Sleep(100);
                    continue;
                }
                for (var i = 0; i < subscriptions.Length; i++)
                    if (r[i] != 0) Take(i, subscriptions[i]);
            }
    }

    private void Take(int index, IntPtr subscription)
    {
        var ret = RclShim.dn_take(subscription, out var data, out var length, out var receivedNs);
        if (ret == RclShim.NothingToTake) return;
        if (ret != RclShim.Ok)
        {
            _log.Log("take", LogLevel.Warn, $"taking a message failed (rcl_ret_t {ret}): {RclShim.LastError()}");
            return;
        }
        Volatile.Write(ref _received[index], _received[index] + 1); // this thread is the only writer
        if (receivedNs == 0) receivedNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        try
        {
            _handlers[index](new ReadOnlySpan<byte>(data, checked((int)length)), receivedNs);
        }
        catch (Exception e)
        {
            // The runtime turns bad input into counted drops; anything else is logged and the node keeps taking.
            _log.Log("input", LogLevel.Error, $"unexpected error handling an input message: {e}");
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread?.Join();
        foreach (var s in _subscriptions) RclShim.dn_subscription_destroy(s, _node);
        _subscriptions.Clear();
        if (_waiter != IntPtr.Zero) RclShim.dn_waiter_destroy(_waiter);
        _waiter = IntPtr.Zero;
    }
}

/// <summary>QoS in rmw's enum values (rmw/types.h), which the shim copies into rmw_qos_profile_t.</summary>
internal readonly record struct RmwQos(int History, int Depth, int Reliability, int Durability)
{
    private const int KeepLast = 1, KeepAll = 2, Reliable = 1, BestEffort = 2, TransientLocal = 1, Volatile = 2;

    public static RmwQos From(RosGraph.QosProfile q) => new(
        q.History == RosGraph.QosHistory.KeepAll ? KeepAll : KeepLast,
        q.Depth,
        q.Reliability == RosGraph.QosReliability.Reliable ? Reliable : BestEffort,
        q.Durability == RosGraph.QosDurability.TransientLocal ? TransientLocal : Volatile);
}
