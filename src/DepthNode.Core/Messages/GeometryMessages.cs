using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>geometry_msgs/msg/Vector3.</summary>
public readonly record struct Vector3(double X, double Y, double Z) : IRosMessage<Vector3>
{
    public static string RosTypeName => "geometry_msgs/msg/Vector3";

    public static Vector3 Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) => new(
        reader.ReadDouble("geometry_msgs/Vector3.x"), reader.ReadDouble("geometry_msgs/Vector3.y"), reader.ReadDouble("geometry_msgs/Vector3.z"));

    public void Write(CdrWriter writer)
    {
        writer.WriteDouble(X);
        writer.WriteDouble(Y);
        writer.WriteDouble(Z);
    }
}

/// <summary>geometry_msgs/msg/Quaternion (x, y, z, w; identity is w = 1).</summary>
public readonly record struct Quaternion(double X, double Y, double Z, double W) : IRosMessage<Quaternion>
{
    public static readonly Quaternion Identity = new(0, 0, 0, 1);

    public static string RosTypeName => "geometry_msgs/msg/Quaternion";

    public static Quaternion Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) => new(
        reader.ReadDouble("geometry_msgs/Quaternion.x"), reader.ReadDouble("geometry_msgs/Quaternion.y"),
        reader.ReadDouble("geometry_msgs/Quaternion.z"), reader.ReadDouble("geometry_msgs/Quaternion.w"));

    public void Write(CdrWriter writer)
    {
        writer.WriteDouble(X);
        writer.WriteDouble(Y);
        writer.WriteDouble(Z);
        writer.WriteDouble(W);
    }
}

/// <summary>geometry_msgs/msg/Transform.</summary>
public readonly record struct Transform(Vector3 Translation, Quaternion Rotation) : IRosMessage<Transform>
{
    public static string RosTypeName => "geometry_msgs/msg/Transform";

    public static Transform Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) =>
        new(Vector3.Read(ref reader, payload), Quaternion.Read(ref reader, payload));

    public void Write(CdrWriter writer)
    {
        Translation.Write(writer);
        Rotation.Write(writer);
    }
}

/// <summary>geometry_msgs/msg/TransformStamped: the pose of <see cref="ChildFrameId"/> in <c>Header.FrameId</c>.</summary>
public sealed record TransformStamped(Header Header, string ChildFrameId, Transform Transform) : IRosMessage<TransformStamped>
{
    public static string RosTypeName => "geometry_msgs/msg/TransformStamped";

    public static TransformStamped Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var child = reader.ReadString("geometry_msgs/TransformStamped.child_frame_id");
        return new TransformStamped(header, child, Transform.Read(ref reader, payload));
    }

    public void Write(CdrWriter writer)
    {
        Header.Write(writer);
        writer.WriteString(ChildFrameId);
        Transform.Write(writer);
    }
}

/// <summary>tf2_msgs/msg/TFMessage (what /tf and /tf_static carry).</summary>
public sealed record TFMessage(TransformStamped[] Transforms) : IRosMessage<TFMessage>
{
    // Smallest TransformStamped: stamp 8 + empty frame_id 5 + empty child 5 + 7 float64 = 74 bytes.
    private const int MinTransformSize = 74;

    public static string RosTypeName => "tf2_msgs/msg/TFMessage";

    public static TFMessage Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var count = reader.ReadSequenceLength("tf2_msgs/TFMessage.transforms", MinTransformSize);
        var transforms = new TransformStamped[count];
        for (var i = 0; i < count; i++) transforms[i] = TransformStamped.Read(ref reader, payload);
        return new TFMessage(transforms);
    }

    public void Write(CdrWriter writer)
    {
        writer.WriteUInt32((uint)Transforms.Length);
        foreach (var t in Transforms) t.Write(writer);
    }
}
