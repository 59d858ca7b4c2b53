namespace DepthNode.NodeLogic;

/// <summary>Where log lines go: rclcpp-style logging in the ROS adapter, stderr in the CLI, a list in tests.</summary>
public interface ILogSink
{
    void Write(LogLevel level, string message);
}
