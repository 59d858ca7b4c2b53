using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Ros.Tests.MockRos;
using ROS2;

namespace DepthNode.Ros.Tests;

/// <summary>Serialized publish from the runtime's sink through the P/Invoke boundary, against MockRos' shim.</summary>
public class SerializedOutputsTests
{
    private static ResolvedTopic Output(NodeTopic role, string type) =>
        new(role, $"/mock_{Guid.NewGuid():N}/{role}", type, true, RosGraph.QosProfile.SensorData with { Reliability = RosGraph.QosReliability.Reliable });

    [Fact]
    public void Publish_MockRosShim_SendsTheRuntimesBytesOnThatTopicsPublisher()
    {
        MockShim.EnsureLoaded();
        var (cloud, depth) = (Output(NodeTopic.Cloud, PointCloud2.RosTypeName), Output(NodeTopic.Depth, Image.RosTypeName));
        using var outputs = new SerializedOutputs(new ThrottledLog(new ListLog(), TimeSpan.Zero));
        var node = new Node(new IntPtr(1));
        Assert.Equal(cloud.Name, outputs.Add(node, cloud));
        Assert.Equal(depth.Name, outputs.Add(node, depth));

        var bytes = new byte[7_452_040];
        new Random(3).NextBytes(bytes);
        outputs.Publish(cloud.Name, bytes, inputReceiveTimeNs: 0);
        outputs.Publish(depth.Name, bytes.AsSpan(0, 100), inputReceiveTimeNs: 0);

        Assert.Equal(bytes, Assert.Single(MockShim.Published(cloud.Name)));
        Assert.Equal(bytes[..100], Assert.Single(MockShim.Published(depth.Name)));
        Assert.Equal(0, outputs.SubscriberCount(cloud.Name));
        Assert.Equal(-1, outputs.SubscriberCount("/not/an/output"));
    }

    [Fact]
    public void Publish_TopicWithoutPublisher_LogsAnErrorAndSendsNothing_MockRos()
    {
        MockShim.EnsureLoaded();
        var log = new ListLog();
        using var outputs = new SerializedOutputs(new ThrottledLog(log, TimeSpan.Zero));
        var name = $"/mock_{Guid.NewGuid():N}/nothing";
        outputs.Publish(name, [1, 2, 3], 0);
        Assert.Empty(MockShim.Published(name));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(name, StringComparison.Ordinal));
    }
}
