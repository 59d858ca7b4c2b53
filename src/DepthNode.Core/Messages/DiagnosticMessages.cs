using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>diagnostic_msgs/msg/KeyValue.</summary>
public sealed record KeyValue(string Key, string Value) : IRosMessage<KeyValue>
{
    public static string RosTypeName => "diagnostic_msgs/msg/KeyValue";

    public static KeyValue Read(ref CdrReader reader, ReadOnlyMemory<byte> payload) =>
        new(reader.ReadString("diagnostic_msgs/KeyValue.key"), reader.ReadString("diagnostic_msgs/KeyValue.value"));

    public void Write(CdrWriter writer)
    {
        writer.WriteString(Key);
        writer.WriteString(Value);
    }
}

/// <summary>diagnostic_msgs/msg/DiagnosticStatus. <see cref="Level"/> is one of the byte constants below.</summary>
public sealed record DiagnosticStatus(byte Level, string Name, string Message, string HardwareId, KeyValue[] Values)
    : IRosMessage<DiagnosticStatus>
{
    public const byte Ok = 0, Warn = 1, Error = 2, Stale = 3;

    // Two empty strings, 4+1 bytes each.
    private const int MinKeyValueSize = 10;

    public static string RosTypeName => "diagnostic_msgs/msg/DiagnosticStatus";

    public static DiagnosticStatus Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var level = reader.ReadByte("diagnostic_msgs/DiagnosticStatus.level");
        var name = reader.ReadString("diagnostic_msgs/DiagnosticStatus.name");
        var message = reader.ReadString("diagnostic_msgs/DiagnosticStatus.message");
        var hardwareId = reader.ReadString("diagnostic_msgs/DiagnosticStatus.hardware_id");
        var count = reader.ReadSequenceLength("diagnostic_msgs/DiagnosticStatus.values", MinKeyValueSize);
        var values = new KeyValue[count];
        for (var i = 0; i < count; i++) values[i] = KeyValue.Read(ref reader, payload);
        return new DiagnosticStatus(level, name, message, hardwareId, values);
    }

    public void Write(CdrWriter writer)
    {
        writer.WriteByte(Level);
        writer.WriteString(Name);
        writer.WriteString(Message);
        writer.WriteString(HardwareId);
        writer.WriteUInt32((uint)Values.Length);
        foreach (var v in Values) v.Write(writer);
    }
}

/// <summary>diagnostic_msgs/msg/DiagnosticArray (what /diagnostics carries).</summary>
public sealed record DiagnosticArray(Header Header, DiagnosticStatus[] Status) : IRosMessage<DiagnosticArray>
{
    // level 1 + three empty strings (5 each, first aligned) + values count 4.
    private const int MinStatusSize = 20;

    public static string RosTypeName => "diagnostic_msgs/msg/DiagnosticArray";

    public static DiagnosticArray Read(ref CdrReader reader, ReadOnlyMemory<byte> payload)
    {
        var header = Header.Read(ref reader, payload);
        var count = reader.ReadSequenceLength("diagnostic_msgs/DiagnosticArray.status", MinStatusSize);
        var status = new DiagnosticStatus[count];
        for (var i = 0; i < count; i++) status[i] = DiagnosticStatus.Read(ref reader, payload);
        return new DiagnosticArray(header, status);
    }

    public void Write(CdrWriter writer)
    {
        Header.Write(writer);
        writer.WriteUInt32((uint)Status.Length);
        foreach (var s in Status) s.Write(writer);
    }
}
