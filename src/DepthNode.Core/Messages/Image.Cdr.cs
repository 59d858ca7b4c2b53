using DepthNode.Cdr;

namespace DepthNode.Messages;

public sealed partial record Image : IRosMessage<Image>
{
    public static string RosTypeName => "sensor_msgs/msg/Image";

    public static Image Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var height = reader.ReadUInt32("sensor_msgs/Image.height");
        var width = reader.ReadUInt32("sensor_msgs/Image.width");
        var encoding = reader.ReadString("sensor_msgs/Image.encoding");
        var isBigEndian = reader.ReadByte("sensor_msgs/Image.is_bigendian");
        var step = reader.ReadUInt32("sensor_msgs/Image.step");
        var (offset, length) = reader.ReadByteSequenceBounds("sensor_msgs/Image.data");
        return new Image(header, height, width, encoding, isBigEndian, step, payload.Slice(offset, length));
    }

    public void Write(CdrWriter writer)
    {
        var data = WriteUpToData(writer, Header, Height, Width, Encoding, Step, IsBigEndian, Data.Length);
        Data.Span.CopyTo(data);
    }

    /// <summary>
    /// Writes every Image field except the pixels and returns the span inside the outgoing buffer where the
    /// <paramref name="height"/> × <paramref name="step"/> pixel bytes go. The producer fills it in place (resizing,
    /// colour conversion or inference output written straight into the message), so the frame is never copied a
    /// second time. The span is not cleared. Fill it before calling <see cref="CdrWriter.Flush"/>; nothing else
    /// may be written to <paramref name="writer"/> in between.
    /// </summary>
    public static Span<byte> WriteUpToData(CdrWriter writer, Header header, uint height, uint width, string encoding, uint step, byte isBigEndian = 0) =>
        WriteUpToData(writer, header, height, width, encoding, step, isBigEndian, checked((int)((long)height * step)));

    /// <summary>As above, with the header written from a borrowed view (no allocation per frame).</summary>
    public static Span<byte> WriteUpToData(CdrWriter writer, scoped in HeaderView header, uint height, uint width, string encoding, uint step, byte isBigEndian = 0)
    {
        header.Write(writer);
        return WriteAfterHeader(writer, height, width, encoding, step, isBigEndian, checked((int)((long)height * step)));
    }

    private static Span<byte> WriteUpToData(CdrWriter writer, Header header, uint height, uint width, string encoding, uint step, byte isBigEndian, int dataLength)
    {
        header.Write(writer);
        return WriteAfterHeader(writer, height, width, encoding, step, isBigEndian, dataLength);
    }

    private static Span<byte> WriteAfterHeader(CdrWriter writer, uint height, uint width, string encoding, uint step, byte isBigEndian, int dataLength)
    {
        writer.WriteUInt32(height);
        writer.WriteUInt32(width);
        writer.WriteString(encoding);
        writer.WriteByte(isBigEndian);
        writer.WriteUInt32(step);
        return writer.WriteByteSequenceInPlace(dataLength);
    }
}

public sealed partial record CompressedImage : IRosMessage<CompressedImage>
{
    public static string RosTypeName => "sensor_msgs/msg/CompressedImage";

    public static CompressedImage Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var format = reader.ReadString("sensor_msgs/CompressedImage.format");
        var (offset, length) = reader.ReadByteSequenceBounds("sensor_msgs/CompressedImage.data");
        return new CompressedImage(header, format, payload.Slice(offset, length));
    }

    public void Write(CdrWriter writer)
    {
        Header.Write(writer);
        writer.WriteString(Format);
        writer.WriteByteSequence(Data.Span);
    }
}
