using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>
/// A std_msgs/Header whose frame_id is UTF-8 bytes borrowed from elsewhere (the incoming message, a cached override).
/// The depth pipeline stamps every output with the input's header; writing it from a view instead of a
/// <see cref="Header"/> record keeps the per-frame path free of allocations.
/// </summary>
public readonly ref struct HeaderView(RosTime stamp, ReadOnlySpan<byte> frameIdUtf8)
{
    public RosTime Stamp { get; } = stamp;
    public ReadOnlySpan<byte> FrameIdUtf8 { get; } = frameIdUtf8;

    public void Write(CdrWriter writer)
    {
        Stamp.Write(writer);
        writer.WriteString(FrameIdUtf8);
    }
}
