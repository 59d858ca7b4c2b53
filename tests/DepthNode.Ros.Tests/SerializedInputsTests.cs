using System.Collections.Concurrent;
using System.Diagnostics;
using DepthNode.NodeLogic;
using DepthNode.Ros.Tests.MockRos;

namespace DepthNode.Ros.Tests;

/// <summary>The take loop, P/Invoke signatures included, against MockRos' shim (mock_shim.c compiled from the real
/// header); only rcl is replaced.</summary>
public class SerializedInputsTests
{
    private static string UniqueTopic(string leaf) => $"/mock_{Guid.NewGuid():N}/{leaf}";

    private static T WaitFor<T>(Func<T?> poll) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (poll() is { } value) return value;
            Thread.Sleep(5);
        }
        throw new Xunit.Sdk.XunitException("the take thread never handed the message over");
    }

    [Fact]
    public void Add_MockRosShim_PassesTheQosInRmwOrder()
    {
        MockShim.EnsureLoaded();
        var topic = UniqueTopic("camera_info");
        using var inputs = new SerializedInputs(new IntPtr(1), new ThrottledLog(new ListLog(), TimeSpan.Zero));
        Assert.Equal(topic, inputs.Add(topic, IntPtr.Zero, new RmwQos(History: 2, Depth: 3, Reliability: 2, Durability: 1), (_, _) => { }));
        Assert.Equal([2, 3, 2, 1], MockShim.SubscriptionQos(topic) ?? []);
    }

    [Fact]
    public void Start_MockRosShim_HandsEachMessageToItsTopicsHandlerByteForByte()
    {
        MockShim.EnsureLoaded();
        var (image, info) = (UniqueTopic("image_raw"), UniqueTopic("camera_info"));
        var got = new ConcurrentQueue<(string Topic, byte[] Bytes, long ReceivedNs)>();
        var inputs = new SerializedInputs(new IntPtr(1), new ThrottledLog(new ListLog(), TimeSpan.Zero));
        var live = MockShim.mock_live_subscriptions();
        inputs.Add(image, IntPtr.Zero, RmwQos.From(RosGraph.QosProfile.SensorData), (cdr, t) => got.Enqueue((image, cdr.ToArray(), t)));
        inputs.Add(info, IntPtr.Zero, RmwQos.From(RosGraph.QosProfile.SensorData), (cdr, t) => got.Enqueue((info, cdr.ToArray(), t)));
        inputs.Start();

        var message = new byte[1_397_306]; // a 1242x375 rgb8 Image with its header
        new Random(7).NextBytes(message);
        var before = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        Assert.Equal(1, MockShim.Deliver(info, message));
        var first = WaitFor(() => got.TryDequeue(out var m) ? m.ToTuple() : null);

        Assert.Equal(info, first.Item1);
        Assert.Equal(message, first.Item2);
        // The mock middleware has no receive stamps: the adapter's wall clock stands in.
        Assert.InRange(first.Item3, before, (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
        Assert.Equal(0, inputs.Received(0));
        Assert.Equal(1, inputs.Received(1));

        inputs.Dispose();
        Assert.Equal(live, MockShim.mock_live_subscriptions());
    }

    [Fact]
    public void Start_HandlerThrows_LogsItAndKeepsTaking_MockRos()
    {
        MockShim.EnsureLoaded();
        var topic = UniqueTopic("image_raw");
        var log = new ListLog();
        var got = new ConcurrentQueue<byte[]>();
        using var inputs = new SerializedInputs(new IntPtr(1), new ThrottledLog(log, TimeSpan.Zero));
        inputs.Add(topic, IntPtr.Zero, RmwQos.From(RosGraph.QosProfile.SensorData), (cdr, _) =>
        {
            if (cdr[0] == 0xFF) throw new InvalidOperationException("bad frame");
            got.Enqueue(cdr.ToArray());
        });
        inputs.Start();
        MockShim.Deliver(topic, [0xFF, 1, 2]);
        MockShim.Deliver(topic, [0x00, 1, 2]);
        Assert.Equal([0x00, 1, 2], WaitFor(() => got.TryDequeue(out var m) ? m : null));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("bad frame", StringComparison.Ordinal));
    }
}
