using DepthNode.Cdr;

namespace DepthNode.Messages;

public readonly partial record struct RosTime : IRosMessage<RosTime>
{
    public static string RosTypeName => "builtin_interfaces/msg/Time";

    public static RosTime Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) =>
        new(reader.ReadInt32("builtin_interfaces/Time.sec"), reader.ReadUInt32("builtin_interfaces/Time.nanosec"));

    public void Write(CdrWriter writer)
    {
        writer.WriteInt32(Sec);
        writer.WriteUInt32(Nanosec);
    }
}

public sealed partial record Header : IRosMessage<Header>
{
    public static string RosTypeName => "std_msgs/msg/Header";

    public static Header Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var stamp = RosTime.Read(ref reader, payload);
        return new Header(stamp, reader.ReadString("std_msgs/Header.frame_id"));
    }

    public void Write(CdrWriter writer)
    {
        Stamp.Write(writer);
        writer.WriteString(FrameId);
    }
}

/// <summary>std_msgs/msg/String.</summary>
public sealed record StringMessage(string Data) : IRosMessage<StringMessage>
{
    public static string RosTypeName => "std_msgs/msg/String";

    public static StringMessage Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) =>
        new(reader.ReadString("std_msgs/String.data"));

    public void Write(CdrWriter writer) => writer.WriteString(Data);
}
