#nullable enable
using System;
using DepthNode.Messages;
using DepthNode.RosGraph;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The ROS message types the node uses, from the core's type names to ros2_dotnet's generated classes: their type
/// support for the shim's subscriptions, and typed rcldotnet publishers (whose typed Publish is never called).
/// </summary>
internal static class MessageTypes
{
    public static IntPtr TypeSupport(string type) => type switch
    {
        _ when type == Image.RosTypeName => sensor_msgs.msg.Image.__GetTypeSupport(),
        _ when type == CompressedImage.RosTypeName => sensor_msgs.msg.CompressedImage.__GetTypeSupport(),
        _ when type == CameraInfo.RosTypeName => sensor_msgs.msg.CameraInfo.__GetTypeSupport(),
        _ => throw new InvalidOperationException($"no subscription type wired for {type}"),
    };

    public static Publisher CreatePublisher(Node node, string type, string topic, ROS2.QosProfile qos) => type switch
    {
        _ when type == Image.RosTypeName => node.CreatePublisher<sensor_msgs.msg.Image>(topic, qos),
        _ when type == CameraInfo.RosTypeName => node.CreatePublisher<sensor_msgs.msg.CameraInfo>(topic, qos),
        _ when type == PointCloud2.RosTypeName => node.CreatePublisher<sensor_msgs.msg.PointCloud2>(topic, qos),
        _ when type == DepthMetadata.RosTypeName => node.CreatePublisher<depth_node.msg.DepthMetadata>(topic, qos),
        _ when type == DiagnosticArray.RosTypeName => node.CreatePublisher<diagnostic_msgs.msg.DiagnosticArray>(topic, qos),
        _ => throw new InvalidOperationException($"no publisher type wired for {type}"),
    };

    /// <summary>The core's QoS as rcldotnet's (same four policies; the rest stay at rmw's defaults).</summary>
    public static ROS2.QosProfile ToRcldotnet(RosGraph.QosProfile q)
    {
        var profile = ROS2.QosProfile.DefaultProfile;
        profile = q.History == QosHistory.KeepAll ? profile.WithKeepAll() : profile.WithKeepLast(q.Depth);
        profile = q.Reliability == QosReliability.Reliable ? profile.WithReliable() : profile.WithBestEffort();
        return q.Durability == QosDurability.TransientLocal ? profile.WithTransientLocal() : profile.WithVolatile();
    }
}
