using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>
/// depthnode_msgs/msg/DepthMetadata (<c>msg/DepthMetadata.msg</c>): published with every depth image so a consumer
/// knows which model produced it, how it was made metric and whether the node is keeping up.
/// </summary>
/// <param name="Header">Same stamp and frame as the depth image it describes.</param>
/// <param name="Model">Model identifier, e.g. <c>fastdepth_7</c>.</param>
/// <param name="MetricSource">How relative depth became metric: <c>none</c>, <c>model</c>, <c>camera_height</c> or <c>lidar</c>.</param>
/// <param name="Scale">metric_depth = scale × raw + shift.</param>
/// <param name="Shift">See <paramref name="Scale"/>.</param>
/// <param name="InferenceMs">Wall time of the network forward pass, milliseconds.</param>
/// <param name="DroppedFrames">Input frames skipped since the previous output because the node was busy.</param>
public sealed record DepthMetadata(
    Header Header, string Model, string MetricSource, float Scale, float Shift, float InferenceMs, uint DroppedFrames)
    : IRosMessage<DepthMetadata>
{
    public static string RosTypeName => "depthnode_msgs/msg/DepthMetadata";

    public static DepthMetadata Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        return new DepthMetadata(header,
            reader.ReadString("depthnode_msgs/DepthMetadata.model"),
            reader.ReadString("depthnode_msgs/DepthMetadata.metric_source"),
            reader.ReadSingle("depthnode_msgs/DepthMetadata.scale"),
            reader.ReadSingle("depthnode_msgs/DepthMetadata.shift"),
            reader.ReadSingle("depthnode_msgs/DepthMetadata.inference_ms"),
            reader.ReadUInt32("depthnode_msgs/DepthMetadata.dropped_frames"));
    }

    public void Write(CdrWriter writer)
    {
        Header.Write(writer);
        writer.WriteString(Model);
        writer.WriteString(MetricSource);
        writer.WriteSingle(Scale);
        writer.WriteSingle(Shift);
        writer.WriteSingle(InferenceMs);
        writer.WriteUInt32(DroppedFrames);
    }
}
