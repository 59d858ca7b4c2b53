// MockRos: the classes rosidl_generator_dotnet generates for the messages the adapter names (namespace = ROS package
// + ".msg", an IRosMessage with a public static __GetTypeSupport()), members limited to what the adapter uses.
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
    public sealed class Image : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
    public sealed class CompressedImage : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
    public sealed class CameraInfo : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
    public sealed class PointCloud2 : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
}

namespace diagnostic_msgs.msg
{
    public sealed class DiagnosticArray : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
}

namespace depth_node.msg
{
    public sealed class DepthMetadata : IRosMessage { public static IntPtr __GetTypeSupport() => throw new NotSupportedException("MockRos"); }
}
