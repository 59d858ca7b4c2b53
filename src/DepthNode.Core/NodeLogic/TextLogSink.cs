namespace DepthNode.NodeLogic;

/// <summary>Writes to a TextWriter with a level prefix.</summary>
public sealed class TextLogSink(TextWriter writer) : ILogSink
{
    public void Write(LogLevel level, string message) => writer.WriteLine($"[{level.ToString().ToUpperInvariant()}] {message}");
}
