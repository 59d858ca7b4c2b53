using DepthNode.Cdr;

namespace DepthNode.Messages;

public readonly partial record struct RegionOfInterest : IRosMessage<RegionOfInterest>
{
    public static string RosTypeName => "sensor_msgs/msg/RegionOfInterest";

    public static RegionOfInterest Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) => new(
        reader.ReadUInt32("sensor_msgs/RegionOfInterest.x_offset"),
        reader.ReadUInt32("sensor_msgs/RegionOfInterest.y_offset"),
        reader.ReadUInt32("sensor_msgs/RegionOfInterest.height"),
        reader.ReadUInt32("sensor_msgs/RegionOfInterest.width"),
        reader.ReadBool("sensor_msgs/RegionOfInterest.do_rectify"));

    public void Write(CdrWriter writer)
    {
        writer.WriteUInt32(XOffset);
        writer.WriteUInt32(YOffset);
        writer.WriteUInt32(Height);
        writer.WriteUInt32(Width);
        writer.WriteBool(DoRectify);
    }
}

public sealed partial record CameraInfo : IRosMessage<CameraInfo>
{
    public static string RosTypeName => "sensor_msgs/msg/CameraInfo";

    public static CameraInfo Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var height = reader.ReadUInt32("sensor_msgs/CameraInfo.height");
        var width = reader.ReadUInt32("sensor_msgs/CameraInfo.width");
        var model = reader.ReadString("sensor_msgs/CameraInfo.distortion_model");
        var d = reader.ReadDoubleSequence("sensor_msgs/CameraInfo.d");
        var k = new double[9];
        reader.ReadDoubles("sensor_msgs/CameraInfo.k", k);
        var r = new double[9];
        reader.ReadDoubles("sensor_msgs/CameraInfo.r", r);
        var p = new double[12];
        reader.ReadDoubles("sensor_msgs/CameraInfo.p", p);
        var binningX = reader.ReadUInt32("sensor_msgs/CameraInfo.binning_x");
        var binningY = reader.ReadUInt32("sensor_msgs/CameraInfo.binning_y");
        var roi = RegionOfInterest.Read(ref reader, payload);
        return new CameraInfo(header, height, width, model, d, k, r, p, binningX, binningY, roi);
    }

    public void Write(CdrWriter writer)
    {
        Header.Write(writer);
        WriteAfterHeader(writer);
    }

    /// <summary>Writes this CameraInfo under another header (the depth output's), without allocating a copy.</summary>
    public void Write(CdrWriter writer, scoped in HeaderView header)
    {
        header.Write(writer);
        WriteAfterHeader(writer);
    }

    private void WriteAfterHeader(CdrWriter writer)
    {
        writer.WriteUInt32(Height);
        writer.WriteUInt32(Width);
        writer.WriteString(DistortionModel);
        writer.WriteDoubleSequence(D);
        WriteFixed(writer, K, 9, "k");
        WriteFixed(writer, R, 9, "r");
        WriteFixed(writer, P, 12, "p");
        writer.WriteUInt32(BinningX);
        writer.WriteUInt32(BinningY);
        Roi.Write(writer);
    }

    private static void WriteFixed(CdrWriter writer, double[] values, int length, string name)
    {
        if (values.Length != length)
            throw new ArgumentException($"sensor_msgs/CameraInfo.{name} must have {length} elements, has {values.Length}");
        writer.WriteDoubles(values);
    }
}
