namespace DepthNode.NodeLogic;

/// <summary>
/// Logs each kind of problem at most once per period (like RCLCPP_WARN_THROTTLE): a camera sending a wrong encoding
/// at 30 Hz must not flood the console. The next line of a key reports how many were suppressed in between.
/// The clock is injectable so tests do not sleep.
/// </summary>
public sealed class ThrottledLog(ILogSink sink, TimeSpan period, Func<TimeSpan>? clock = null)
{
    private readonly Func<TimeSpan> _clock = clock ?? (() => TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond));
    private readonly Dictionary<string, (TimeSpan Last, int Suppressed)> _state = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Returns whether the line was written.</summary>
    public bool Log(string key, LogLevel level, string message)
    {
        string? line = null;
        lock (_gate)
        {
            var now = _clock();
            if (_state.TryGetValue(key, out var s) && now - s.Last < period)
            {
                _state[key] = (s.Last, s.Suppressed + 1);
            }
            else
            {
                line = s.Suppressed > 0 ? $"{message} ({s.Suppressed} similar suppressed)" : message;
                _state[key] = (now, 0);
            }
        }
        if (line is null) return false;
        sink.Write(level, line);
        return true;
    }
}
