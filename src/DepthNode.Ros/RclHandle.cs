#nullable enable
using System;
using System.Reflection;
using System.Runtime.InteropServices;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The rcl pointers behind rcldotnet's objects. rcldotnet keeps them in internal <c>Handle</c> properties (a
/// SafeHandle over the malloc'ed <c>rcl_node_t</c> / <c>rcl_publisher_t</c>, see rcldotnet_node.c at the commit
/// pinned in docker/ros2_dotnet_humble.repos); there is no public accessor, so they are read once at start by
/// reflection. The SafeHandle is ref-counted so rcldotnet cannot free it while the shim uses it.
/// </summary>
internal sealed class RclHandle : IDisposable
{
    private readonly SafeHandle _handle;
    private bool _added;

    private RclHandle(SafeHandle handle)
    {
        _handle = handle;
        _handle.DangerousAddRef(ref _added);
        Pointer = _handle.DangerousGetHandle();
    }

    public IntPtr Pointer { get; }

    public static RclHandle Of(Node node) => new(Read(typeof(Node), node));

    public static RclHandle Of(Publisher publisher) => new(Read(typeof(Publisher), publisher));

    private static SafeHandle Read(Type type, object owner)
    {
        var property = type.GetProperty("Handle", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException(
                $"rcldotnet's {type.Name} has no internal Handle property: this rcldotnet is not the pinned one " +
                "(docker/ros2_dotnet_humble.repos); see src/DepthNode.Ros/README.md for the generator-patch fallback");
        return property.GetValue(owner) as SafeHandle
            ?? throw new InvalidOperationException($"rcldotnet's {type.Name}.Handle is not a live SafeHandle");
    }

    public void Dispose()
    {
        if (_added) _handle.DangerousRelease();
        _added = false;
    }
}
