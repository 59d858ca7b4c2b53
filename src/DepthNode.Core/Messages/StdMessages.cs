namespace DepthNode.Messages;

/// <summary>builtin_interfaces/msg/Time: signed seconds and unsigned nanoseconds since the Unix epoch.</summary>
public readonly partial record struct RosTime(int Sec, uint Nanosec)
{
    public long TotalNanoseconds => Sec * 1_000_000_000L + Nanosec;

    public static RosTime FromNanoseconds(long ns)
    {
        var sec = Math.DivRem(ns, 1_000_000_000L, out var rem);
        if (rem < 0) { sec--; rem += 1_000_000_000L; }
        return new RosTime(checked((int)sec), (uint)rem);
    }
}

/// <summary>std_msgs/msg/Header.</summary>
public sealed partial record Header(RosTime Stamp, string FrameId)
{
    public static readonly Header Empty = new(default, "");
}
