using DepthNode.Cdr;

namespace DepthNode.Messages;

/// <summary>
/// A ROS 2 message type with a hand-written CDR codec. <see cref="Read"/> and <see cref="Write"/> handle the body
/// only (no encapsulation header), so types nest; <see cref="RosMessage"/> adds the header for whole payloads.
/// </summary>
public interface IRosMessage<TSelf> where TSelf : IRosMessage<TSelf>
{
    /// <summary>The ROS 2 type name, e.g. <c>sensor_msgs/msg/Image</c>.</summary>
    static abstract string RosTypeName { get; }

    /// <summary>
    /// Reads the body. <paramref name="payload"/> is the memory the reader was created over, so byte arrays can be
    /// returned as slices of it instead of copies.
    /// </summary>
    static abstract TSelf Read(ref CdrReader reader, ReadOnlyMemory<byte> payload);

    void Write(CdrWriter writer);
}

/// <summary>Whole-payload entry points for <see cref="IRosMessage{TSelf}"/> types.</summary>
public static class RosMessage
{
    /// <summary>Decodes a full payload (header + body). Large <c>uint8[]</c> fields are slices of <paramref name="payload"/>.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> payload) where T : IRosMessage<T>
    {
        var reader = new CdrReader(payload.Span);
        return T.Read(ref reader, payload);
    }

    /// <summary>Writes <paramref name="message"/> as the writer's current message and flushes it.</summary>
    public static void Serialize<T>(T message, CdrWriter writer) where T : IRosMessage<T>
    {
        message.Write(writer);
        writer.Flush();
    }

    /// <summary>Serializes into a new array: for run-once code and tests, not for per-frame paths.</summary>
    public static byte[] SerializeToArray<T>(T message) where T : IRosMessage<T>
    {
        using var writer = new CdrWriter();
        Serialize(message, writer);
        return writer.WrittenSpan.ToArray();
    }
}
