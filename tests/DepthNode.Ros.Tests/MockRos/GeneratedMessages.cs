// MockRos: the classes rosidl_generator_dotnet generates for the messages the adapter names (namespace = ROS package
// + ".msg", an IRosMessage with a public static __GetTypeSupport()), members limited to what the adapter uses. The
// "type support" is native memory holding the type's name, so mock_shim.c can tell which one a subscription got.
#pragma warning disable IDE1006 // generated names
using ROS2;

namespace builtin_interfaces.msg
{
    public sealed class Time : IRosMessage
    {
        public int Sec { get; set; }
        public uint Nanosec { get; set; }
    }
}

namespace sensor_msgs.msg
{
    public sealed class Image : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("sensor_msgs/msg/Image"); }
    public sealed class CompressedImage : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("sensor_msgs/msg/CompressedImage"); }
    public sealed class CameraInfo : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("sensor_msgs/msg/CameraInfo"); }
    public sealed class PointCloud2 : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("sensor_msgs/msg/PointCloud2"); }
}

namespace diagnostic_msgs.msg
{
    public sealed class DiagnosticArray : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("diagnostic_msgs/msg/DiagnosticArray"); }
}

namespace depth_node.msg
{
    public sealed class DepthMetadata : IRosMessage { public static IntPtr __GetTypeSupport() => MockTypeSupport.Of("depth_node/msg/DepthMetadata"); }
}

namespace ROS2
{
    internal static class MockTypeSupport
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IntPtr> Pointers = new();
        public static IntPtr Of(string type) => Pointers.GetOrAdd(type, System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi);
    }
}
