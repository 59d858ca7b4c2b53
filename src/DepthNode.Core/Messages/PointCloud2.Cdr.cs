using DepthNode.Cdr;

namespace DepthNode.Messages;

public readonly partial record struct PointField : IRosMessage<PointField>
{
    public static string RosTypeName => "sensor_msgs/msg/PointField";

    public static PointField Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) => new(
        reader.ReadString("sensor_msgs/PointField.name"),
        reader.ReadUInt32("sensor_msgs/PointField.offset"),
        reader.ReadByte("sensor_msgs/PointField.datatype"),
        reader.ReadUInt32("sensor_msgs/PointField.count"));

    public void Write(CdrWriter writer)
    {
        writer.WriteString(Name);
        writer.WriteUInt32(Offset);
        writer.WriteByte(Datatype);
        writer.WriteUInt32(Count);
    }
}

public sealed partial record PointCloud2 : IRosMessage<PointCloud2>
{
    public static string RosTypeName => "sensor_msgs/msg/PointCloud2";

    // Smallest serialized PointField: empty-name string (4 + 1) + offset 4 + datatype 1 + count 4, before padding.
    private const int MinPointFieldSize = 14;

    public static PointCloud2 Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var height = reader.ReadUInt32("sensor_msgs/PointCloud2.height");
        var width = reader.ReadUInt32("sensor_msgs/PointCloud2.width");
        var count = reader.ReadSequenceLength("sensor_msgs/PointCloud2.fields", MinPointFieldSize);
        var fields = count == 0 ? [] : new PointField[count];
        for (var i = 0; i < fields.Length; i++) fields[i] = PointField.Read(ref reader, payload);
        var isBigEndian = reader.ReadBool("sensor_msgs/PointCloud2.is_bigendian");
        var pointStep = reader.ReadUInt32("sensor_msgs/PointCloud2.point_step");
        var rowStep = reader.ReadUInt32("sensor_msgs/PointCloud2.row_step");
        var (offset, length) = reader.ReadByteSequenceBounds("sensor_msgs/PointCloud2.data");
        var isDense = reader.ReadBool("sensor_msgs/PointCloud2.is_dense");
        return new PointCloud2(header, height, width, fields, isBigEndian, pointStep, rowStep, payload.Slice(offset, length), isDense);
    }

    public void Write(CdrWriter writer)
    {
        var data = WriteUpToData(writer, Header, Height, Width, Fields, PointStep, RowStep, Data.Length, IsDense, IsBigEndian);
        Data.Span.CopyTo(data);
    }

    /// <summary>
    /// Writes every PointCloud2 field (the trailing <c>is_dense</c> included) except the point bytes, and returns
    /// the span inside the outgoing buffer where the <paramref name="height"/> × <paramref name="width"/> ×
    /// <paramref name="pointStep"/> point bytes go (row_step = width × point_step, rows unpadded). The producer
    /// writes points straight into the message; the span is not cleared. Fill it before
    /// <see cref="CdrWriter.Flush"/>; nothing else may be written to <paramref name="writer"/> in between.
    /// </summary>
    public static Span<byte> WriteUpToData(
        CdrWriter writer, Header header, uint height, uint width, ReadOnlySpan<PointField> fields, uint pointStep,
        bool isDense, bool isBigEndian = false)
    {
        var rowStep = checked(width * pointStep);
        return WriteUpToData(writer, header, height, width, fields, pointStep, rowStep, checked((int)((long)rowStep * height)), isDense, isBigEndian);
    }

    /// <summary>
    /// As above, with the header from a borrowed view, and <c>is_dense</c> left to the producer: it is known only
    /// once the points are written, so <paramref name="isDense"/> is the one byte that holds it (set 1 or 0).
    /// </summary>
    public static Span<byte> WriteUpToData(
        CdrWriter writer, scoped in HeaderView header, uint height, uint width, ReadOnlySpan<PointField> fields, uint pointStep,
        out Span<byte> isDense)
    {
        header.Write(writer);
        var rowStep = checked(width * pointStep);
        return WriteAfterHeader(writer, height, width, fields, pointStep, rowStep, checked((int)((long)rowStep * height)), false, false, out isDense);
    }

    private static Span<byte> WriteUpToData(
        CdrWriter writer, Header header, uint height, uint width, ReadOnlySpan<PointField> fields, uint pointStep,
        uint rowStep, int dataLength, bool isDense, bool isBigEndian)
    {
        header.Write(writer);
        return WriteAfterHeader(writer, height, width, fields, pointStep, rowStep, dataLength, isDense, isBigEndian, out _);
    }

    private static Span<byte> WriteAfterHeader(
        CdrWriter writer, uint height, uint width, ReadOnlySpan<PointField> fields, uint pointStep,
        uint rowStep, int dataLength, bool isDense, bool isBigEndian, out Span<byte> isDenseByte)
    {
        writer.WriteUInt32(height);
        writer.WriteUInt32(width);
        writer.WriteUInt32((uint)fields.Length);
        foreach (var f in fields) f.Write(writer);
        writer.WriteBool(isBigEndian);
        writer.WriteUInt32(pointStep);
        writer.WriteUInt32(rowStep);
        // Room for is_dense after the points, reserved with them so neither span can move.
        var block = writer.WriteByteSequenceInPlace(dataLength, bytesAfter: 1);
        isDenseByte = writer.WriteBoolInPlace(isDense);
        return block;
    }
}
