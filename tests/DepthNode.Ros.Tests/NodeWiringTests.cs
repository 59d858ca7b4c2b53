using System.Diagnostics;
using DepthNode.Bags;
using DepthNode.Camera;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Ros.Tests.MockRos;
using DepthNode.Tests;
using ROS2;

namespace DepthNode.Ros.Tests;

/// <summary>
/// The adapter's wiring with only rcl replaced (MockRos: rcldotnet's API, and the shim's API over an in-memory
/// middleware): which message type each topic gets, and a real recorded image through the take thread, the real runtime
/// with FastDepth and the serialized publishers, compared with the runtime driven directly.
/// </summary>
public class NodeWiringTests
{
    private static NodeConfiguration Configure(params string[] parameters)
    {
        // A namespace of its own per test: the default topics are relative, so nothing is shared with other tests.
        var args = new List<string> { "depth_node", "--ros-args", "-r", $"__ns:=/mock_{Guid.NewGuid():N}" };
        foreach (var p in parameters) args.AddRange(["-p", p]);
        return NodeConfiguration.FromArguments(args);
    }

    [Fact]
    public void Wiring_EveryTopic_GetsTheMessageTypeOfItsRole_MockRos()
    {
        MockShim.EnsureLoaded();
        var config = Configure("image_transport:=compressed", "metric_source:=sparse_depth");
        var log = new ListLog();
        var throttled = new ThrottledLog(log, TimeSpan.Zero);
        using var model = DepthModelFactory.Open(config.Options, _ => { }, modelDirectory: CheckoutModels.Directory);
        using var pipeline = new DepthPipeline(config.Options, model, new NodeDiagnostics("depth_node", new StageTimings(16)), log);
        using var outputs = NodeWiring.Publishers(new Node(new IntPtr(1)), config, throttled, log);
        using var runtime = new DepthNodeRuntime(config, pipeline, outputs, log);
        using var inputs = NodeWiring.Subscriptions(new IntPtr(1), config, runtime, throttled, log);

        Assert.Equal("sensor_msgs/msg/CompressedImage", MockShim.SubscriptionType(config.NameOf(NodeTopic.Image)));
        Assert.EndsWith("/image_raw/compressed", config.NameOf(NodeTopic.Image), StringComparison.Ordinal);
        Assert.Equal("sensor_msgs/msg/CameraInfo", MockShim.SubscriptionType(config.NameOf(NodeTopic.CameraInfo)));
        Assert.Equal("sensor_msgs/msg/Image", MockShim.SubscriptionType(config.NameOf(NodeTopic.SparseDepth)));
        var expected = new Dictionary<NodeTopic, Type>
        {
            [NodeTopic.Depth] = typeof(sensor_msgs.msg.Image), [NodeTopic.DepthCameraInfo] = typeof(sensor_msgs.msg.CameraInfo),
            [NodeTopic.Cloud] = typeof(sensor_msgs.msg.PointCloud2), [NodeTopic.Colorized] = typeof(sensor_msgs.msg.Image),
            [NodeTopic.Metadata] = typeof(depth_node.msg.DepthMetadata), [NodeTopic.Diagnostics] = typeof(diagnostic_msgs.msg.DiagnosticArray),
        };
        foreach (var (role, type) in expected)
        {
            var (created, qos) = Node.Created[config.NameOf(role)];
            Assert.Equal(type, created);
            Assert.False(qos!.BestEffort); // outputs are reliable by default: rviz's default subscription matches
        }
        Assert.DoesNotContain(log.Lines, l => l.Level >= LogLevel.Warn && l.Message.Contains("rcl resolved", StringComparison.Ordinal));
    }

    private sealed class RecordingSink : IDepthOutputSink
    {
        public Dictionary<string, byte[]> Last { get; } = [];
        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs) => Last[topic] = cdr.ToArray();
    }

    [Theory]
    [InlineData("/image", "raw")]
    [InlineData("/image/compressed", "compressed")]
    public void Wiring_RecordedImageThroughMockRosShim_PublishesWhatTheRuntimeComputesDirectly(string bagTopic, string transport)
    {
        MockShim.EnsureLoaded();
        byte[] image;
        using (var bag = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3")))
            image = bag.ReadMessages(new BagReadOptions { Topics = [bagTopic] }).Single().Data.ToArray();
        var info = RosMessage.SerializeToArray(new CameraModel(640, 480, 525, 525, 319.5, 239.5).ToCameraInfo(Header.Empty));
        var config = Configure("image_transport:=" + transport, "metric_source:=model");
        var log = new ListLog();
        var throttled = new ThrottledLog(log, TimeSpan.Zero);
        using var model = DepthModelFactory.Open(config.Options, _ => { }, modelDirectory: CheckoutModels.Directory);
        using var pipeline = new DepthPipeline(config.Options, model, new NodeDiagnostics("depth_node", new StageTimings(16)), log);

        // Through the adapter: take thread -> live runtime (its worker) -> serialized publishers.
        using (var outputs = NodeWiring.Publishers(new Node(new IntPtr(1)), config, throttled, log))
        using (var runtime = new DepthNodeRuntime(config, pipeline, outputs, log))
        using (var inputs = NodeWiring.Subscriptions(new IntPtr(1), config, runtime, throttled, log))
        {
            inputs.Start();
            Assert.Equal(1, MockShim.Deliver(config.NameOf(NodeTopic.CameraInfo), info));
            Until(() => inputs.Received(1) == 1); // cache_latest: the intrinsics first, as a driver's latched stream
            Assert.Equal(1, MockShim.Deliver(config.NameOf(NodeTopic.Image), image));
            Until(() => MockShim.Published(config.NameOf(NodeTopic.Metadata)).Count == 1);
            Assert.True(runtime.Drain(TimeSpan.FromSeconds(30)));
        }

        // The same frame given to the runtime directly, as `depthnode run` does.
        var sink = new RecordingSink();
        using (var direct = new DepthNodeRuntime(config, pipeline, sink, log, synchronous: true))
        {
            direct.OnCameraInfo(info);
            direct.OnImage(image, compressed: transport == "compressed", receiveTimeNs: 1);
        }
        foreach (var role in (NodeTopic[])[NodeTopic.Depth, NodeTopic.DepthCameraInfo, NodeTopic.Cloud, NodeTopic.Colorized])
        {
            var name = config.NameOf(role);
            Assert.Equal(sink.Last[name], Assert.Single(MockShim.Published(name)));
        }
        Assert.Equal((640u, 480u, "32FC1"), Decoded(sink.Last[config.NameOf(NodeTopic.Depth)]));
    }

    private static (uint, uint, string) Decoded(byte[] cdr)
    {
        var depth = RosMessage.Deserialize<Image>(cdr);
        return (depth.Width, depth.Height, depth.Encoding);
    }

    private static void Until(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new Xunit.Sdk.XunitException("the adapter never got there");
            Thread.Sleep(5);
        }
    }
}
