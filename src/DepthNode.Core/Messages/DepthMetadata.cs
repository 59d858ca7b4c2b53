using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>
/// depth_node/msg/DepthMetadata (<c>msg/DepthMetadata.msg</c>): published with every depth image so a consumer
/// knows which model produced it, how it was made metric and whether the node is keeping up.
/// </summary>
/// <param name="Header">Same stamp and frame as the depth image it describes.</param>
/// <param name="Model">Model identifier, e.g. <c>fastdepth_7</c>.</param>
/// <param name="MetricSource">What made the depth metric (the metric_source parameter): <c>model</c>, <c>fixed</c>, <c>sparse_depth</c> or <c>ground_plane</c>.</param>
/// <param name="Scale">metric_depth = scale × raw + shift.</param>
/// <param name="Shift">See <paramref name="Scale"/>.</param>
/// <param name="InferenceMs">Wall time of the network forward pass, milliseconds.</param>
/// <param name="DroppedFrames">Input frames skipped since the previous output because the node was busy.</param>
public sealed record DepthMetadata(
    Header Header, string Model, string MetricSource, float Scale, float Shift, float InferenceMs, uint DroppedFrames)
    : IRosMessage<DepthMetadata>
{
    public static string RosTypeName => "depth_node/msg/DepthMetadata";

    public static DepthMetadata Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        return new DepthMetadata(header,
            reader.ReadString("depth_node/DepthMetadata.model"),
            reader.ReadString("depth_node/DepthMetadata.metric_source"),
            reader.ReadSingle("depth_node/DepthMetadata.scale"),
            reader.ReadSingle("depth_node/DepthMetadata.shift"),
            reader.ReadSingle("depth_node/DepthMetadata.inference_ms"),
            reader.ReadUInt32("depth_node/DepthMetadata.dropped_frames"));
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
