using System.Runtime.InteropServices;
using ROS2;

namespace DepthNode.Ros.Tests;

/// <summary>RclHandle reads rcldotnet's internal Handle properties by reflection. MockRos gives its Node and Publisher
/// the same shape (an internal SafeHandle-typed Handle) as the pinned rcldotnet.</summary>
public class RclHandleTests
{
    [Fact]
    public void Of_MockRosNode_ReturnsThePointerInsideItsHandle()
    {
        var node = new Node(new IntPtr(0x1234));
        using var handle = RclHandle.Of(node);
        Assert.Equal(new IntPtr(0x1234), handle.Pointer);
    }

    [Fact]
    public void Of_MockRosPublisher_ReadsTheOverriddenHandle()
    {
        Publisher publisher = new Publisher<sensor_msgs.msg.Image>(new IntPtr(0x5678));
        using var handle = RclHandle.Of(publisher);
        Assert.Equal(new IntPtr(0x5678), handle.Pointer);
    }

    [Fact]
    public void Of_MockRosNode_KeepsTheRclStructAliveUntilDisposed()
    {
        // rcldotnet frees the rcl struct when its SafeHandle is released (finalizer or Dispose); while the shim uses the
        // pointer, that must wait.
        var node = new Node(new IntPtr(0x42));
        var inner = (MockSafeHandle)typeof(Node).GetProperty("Handle", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(node)!;
        var handle = RclHandle.Of(node);
        inner.Dispose();
        Assert.False(inner.Released);
        handle.Dispose();
        Assert.True(inner.Released);
    }
}
