// MockRos: the part of rcldotnet's public API (namespace ROS2, ros2-dotnet/ros2_dotnet@e37645f) that
// src/DepthNode.Ros calls, with the same signatures, so the adapter compiles here with warnings as errors. Nothing
// in it runs ROS: members that would reach rcl throw, except CreatePublisher and QosProfile, which MockShim's tests
// need: a publisher's "rcl_publisher_t" is native memory holding its topic name (what mock_shim.c expects). The
// internal Handle properties have the shape rcldotnet gives them (an internal SafeHandle over the rcl struct), which
// RclHandle reads by reflection.
#pragma warning disable CA1822, IDE0060 // signatures mirror rcldotnet's
using System.Runtime.InteropServices;

namespace ROS2;

public interface IRosMessage;

public static class RCLdotnet
{
    public static void Init() => throw NotRos();
    public static bool Ok() => throw NotRos();
    public static Node CreateNode(string nodeName, string nodeNamespace) => throw NotRos();
    public static void SpinOnce(Node node, long timeout) => throw NotRos();
    public static void Shutdown() => throw NotRos();
    internal static NotSupportedException NotRos() => new("MockRos: rcldotnet is only available in the ROS image");
}

/// <summary>rcldotnet's SafeHandle subclasses own a malloc'ed rcl struct; here a plain pointer-sized value.</summary>
internal sealed class MockSafeHandle : SafeHandle
{
    public MockSafeHandle(IntPtr value) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(value);
    public override bool IsInvalid => handle == IntPtr.Zero;
    public bool Released { get; private set; }
    protected override bool ReleaseHandle() => Released = true;
}

public sealed class Node
{
    internal Node(IntPtr rclNode) => Handle = new MockSafeHandle(rclNode);
    internal SafeHandle Handle { get; }
    public string Name => throw RCLdotnet.NotRos();
    public string Namespace => throw RCLdotnet.NotRos();
    public string FullyQualifiedName => throw RCLdotnet.NotRos();
    public Clock Clock => throw RCLdotnet.NotRos();
    /// <summary>The message class and QoS of every publisher created, by topic (for assertions).</summary>
    internal static System.Collections.Concurrent.ConcurrentDictionary<string, (Type Type, QosProfile? Qos)> Created { get; } = new();

    public Publisher<T> CreatePublisher<T>(string topic, QosProfile? qosProfile = null) where T : IRosMessage
    {
        Created[topic] = (typeof(T), qosProfile);
        return new(Marshal.StringToHGlobalAnsi(topic)); // never freed: a handful per test run
    }
    public Timer CreateTimer(TimeSpan period, Action<TimeSpan> callback) => throw RCLdotnet.NotRos();
}

public abstract class Publisher
{
    internal Publisher() { }
    internal abstract SafeHandle Handle { get; }
}

public sealed class Publisher<T> : Publisher where T : IRosMessage
{
    internal Publisher(IntPtr rclPublisher) => Handle = new MockSafeHandle(rclPublisher);
    internal override SafeHandle Handle { get; }
}

public sealed class Timer
{
    public void Cancel() => throw RCLdotnet.NotRos();
}

public sealed class Clock
{
    public builtin_interfaces.msg.Time Now() => throw RCLdotnet.NotRos();
}

/// <summary>Immutable, like rcldotnet's; only the four policies the adapter sets.</summary>
public sealed record QosProfile(bool KeepAll = false, int Depth = 10, bool BestEffort = false, bool TransientLocal = false)
{
    public static QosProfile DefaultProfile => new();
    public QosProfile WithKeepLast(int depth) => this with { KeepAll = false, Depth = depth };
    public QosProfile WithKeepAll() => this with { KeepAll = true };
    public QosProfile WithReliable() => this with { BestEffort = false };
    public QosProfile WithBestEffort() => this with { BestEffort = true };
    public QosProfile WithTransientLocal() => this with { TransientLocal = true };
    public QosProfile WithVolatile() => this with { TransientLocal = false };
}
