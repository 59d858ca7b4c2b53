using System.Collections.Concurrent;
using DepthNode.NodeLogic;

namespace DepthNode.Ros.Tests.MockRos;

/// <summary>Collects log lines for assertions.</summary>
internal sealed class ListLog : ILogSink
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();
    public void Write(LogLevel level, string message) => Lines.Enqueue((level, message));
}
