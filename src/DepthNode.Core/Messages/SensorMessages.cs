namespace DepthNode.Messages;

// sensor_msgs types with ROS field names (PascalCase). Large uint8[] fields are ReadOnlyMemory<byte>: when decoded
// from a bag they are slices of the source buffer, never copies.

/// <summary>sensor_msgs/msg/Image.</summary>
public sealed partial record Image(Header Header, uint Height, uint Width, string Encoding, byte IsBigEndian, uint Step, ReadOnlyMemory<byte> Data);

/// <summary>sensor_msgs/msg/CompressedImage. <see cref="Format"/> is e.g. "jpeg", "png" or "bgr8; jpeg compressed bgr8".</summary>
public sealed partial record CompressedImage(Header Header, string Format, ReadOnlyMemory<byte> Data);

/// <summary>sensor_msgs/msg/RegionOfInterest.</summary>
public readonly partial record struct RegionOfInterest(uint XOffset, uint YOffset, uint Height, uint Width, bool DoRectify);

/// <summary>sensor_msgs/msg/CameraInfo. K is 3×3, R 3×3, P 3×4, all row-major.</summary>
public sealed partial record CameraInfo(
    Header Header, uint Height, uint Width, string DistortionModel, double[] D, double[] K, double[] R, double[] P,
    uint BinningX, uint BinningY, RegionOfInterest Roi);

/// <summary>sensor_msgs/msg/PointField. Datatype constants as in the .msg definition.</summary>
public readonly partial record struct PointField(string Name, uint Offset, byte Datatype, uint Count)
{
    public const byte Int8 = 1, UInt8 = 2, Int16 = 3, UInt16 = 4, Int32 = 5, UInt32 = 6, Float32 = 7, Float64 = 8;
}

/// <summary>sensor_msgs/msg/PointCloud2.</summary>
public sealed partial record PointCloud2(
    Header Header, uint Height, uint Width, PointField[] Fields, bool IsBigEndian, uint PointStep, uint RowStep,
    ReadOnlyMemory<byte> Data, bool IsDense);
