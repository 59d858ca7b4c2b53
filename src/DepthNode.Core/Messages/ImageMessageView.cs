using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>
/// A sensor_msgs/Image read in place from its CDR payload: no record, no strings, the pixels a slice of the payload.
/// The node's per-frame path reads incoming images through this; <see cref="Image"/> is the allocating equivalent.
/// </summary>
public readonly ref struct ImageMessageView
{
    public HeaderView Header { get; }
    public uint Height { get; }
    public uint Width { get; }
    public ReadOnlySpan<byte> EncodingUtf8 { get; }
    public byte IsBigEndian { get; }
    public uint Step { get; }
    public ReadOnlySpan<byte> Data { get; }

    private ImageMessageView(HeaderView header, uint height, uint width, ReadOnlySpan<byte> encoding, byte isBigEndian, uint step, ReadOnlySpan<byte> data)
    {
        Header = header; Height = height; Width = width; EncodingUtf8 = encoding; IsBigEndian = isBigEndian; Step = step; Data = data;
    }

    /// <summary>Parses a whole payload (encapsulation header included). Throws <see cref="CdrException"/> naming the field.</summary>
    public static ImageMessageView Parse(ReadOnlySpan<byte> payload)
    {
        var r = new CdrReader(payload);
        var stamp = new RosTime(r.ReadInt32("sensor_msgs/Image.header.stamp.sec"), r.ReadUInt32("sensor_msgs/Image.header.stamp.nanosec"));
        var frameId = r.ReadStringBytes("sensor_msgs/Image.header.frame_id");
        var height = r.ReadUInt32("sensor_msgs/Image.height");
        var width = r.ReadUInt32("sensor_msgs/Image.width");
        var encoding = r.ReadStringBytes("sensor_msgs/Image.encoding");
        var isBigEndian = r.ReadByte("sensor_msgs/Image.is_bigendian");
        var step = r.ReadUInt32("sensor_msgs/Image.step");
        var data = r.ReadByteSequence("sensor_msgs/Image.data");
        return new ImageMessageView(new HeaderView(stamp, frameId), height, width, encoding, isBigEndian, step, data);
    }
}

/// <summary>sensor_msgs/CompressedImage read in place (see <see cref="ImageMessageView"/>).</summary>
public readonly ref struct CompressedImageMessageView
{
    public HeaderView Header { get; }
    public ReadOnlySpan<byte> FormatUtf8 { get; }
    public ReadOnlySpan<byte> Data { get; }

    private CompressedImageMessageView(HeaderView header, ReadOnlySpan<byte> format, ReadOnlySpan<byte> data)
    {
        Header = header; FormatUtf8 = format; Data = data;
    }

    public static CompressedImageMessageView Parse(ReadOnlySpan<byte> payload)
    {
        var r = new CdrReader(payload);
        var stamp = new RosTime(r.ReadInt32("sensor_msgs/CompressedImage.header.stamp.sec"), r.ReadUInt32("sensor_msgs/CompressedImage.header.stamp.nanosec"));
        var frameId = r.ReadStringBytes("sensor_msgs/CompressedImage.header.frame_id");
        var format = r.ReadStringBytes("sensor_msgs/CompressedImage.format");
        var data = r.ReadByteSequence("sensor_msgs/CompressedImage.data");
        return new CompressedImageMessageView(new HeaderView(stamp, frameId), format, data);
    }
}
