using DepthNode.RosGraph;

namespace DepthNode.NodeLogic;

/// <summary>Every topic the node may use.</summary>
public enum NodeTopic { Image, CameraInfo, SparseDepth, Depth, DepthCameraInfo, Cloud, Colorized, Metadata, Diagnostics }

/// <summary>One topic as the node uses it: its resolved name (namespace and remaps applied), type, direction and QoS.</summary>
public sealed record ResolvedTopic(NodeTopic Role, string Name, string MessageType, bool IsPublisher, QosProfile Qos)
{
    public override string ToString() => $"{(IsPublisher ? "publishes" : "subscribes")} {Name} ({MessageType}; {Qos})";
}
