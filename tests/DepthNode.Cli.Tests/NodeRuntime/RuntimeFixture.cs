using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.Models;
using DepthNode.NodeLogic;

namespace DepthNode.Cli.Tests.NodeRuntime;

/// <summary>What the ROS adapter would publish: every output with its topic, stamp and the wall time it left.</summary>
internal sealed class RecordingSink : IDepthOutputSink
{
    public List<(string Topic, long StampNs, long PublishedTicks, byte[]? Cdr)> Published { get; } = [];
    public bool KeepPayloads { get; init; }

    public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs)
    {
        var ticks = System.Diagnostics.Stopwatch.GetTimestamp();
        var stamp = KittiRecording.StampOf(cdr);
        var copy = KeepPayloads || topic == "/diagnostics" ? cdr.ToArray() : null;
        lock (Published) Published.Add((topic, stamp, ticks, copy));
    }

    public IEnumerable<(string Topic, long StampNs, long PublishedTicks, byte[]? Cdr)> On(string topic)
    {
        lock (Published) return Published.Where(p => p.Topic == topic).ToArray();
    }

    /// <summary>The key/values of every /diagnostics message published so far.</summary>
    public IReadOnlyList<Dictionary<string, string>> Diagnostics() => On("/diagnostics")
        .Select(p => RosMessage.Deserialize<DiagnosticArray>(p.Cdr!).Status[0].Values.ToDictionary(v => v.Key, v => v.Value))
        .ToArray();
}

internal sealed class ListLog : ILogSink
{
    public List<string> Lines { get; } = [];
    public void Write(LogLevel level, string message) { lock (Lines) Lines.Add($"[{level}] {message}"); }
    public string[] Snapshot() { lock (Lines) return [.. Lines]; }
}

/// <summary>
/// The real FastDepth network, with a fixed delay added to each run: it stands in for a device slower than the camera
/// (a Jetson-class GPU running a large network), which this 2-core machine cannot be made to be reliably otherwise.
/// Tests using it say so in their names (<c>_SlowedModel_</c>).
/// </summary>
internal sealed class SlowedModel(IDepthModel inner, TimeSpan delay) : IDepthModel
{
    public ModelCard Card => inner.Card;
    public string Provider => inner.Provider;
    public TensorSize InputSizeFor(int imageWidth, int imageHeight) => inner.InputSizeFor(imageWidth, imageHeight);
    public Span<float> GetInputBuffer(TensorSize inputSize) => inner.GetInputBuffer(inputSize);

    public DepthOutputView Run()
    {
        Thread.Sleep(delay);
        return inner.Run();
    }

    public void Dispose() => inner.Dispose();
}

internal static class RuntimeFixture
{
    public static OnnxDepthModel FastDepth() => new(ModelCard.LoadFor(CheckoutModels.DefaultModelPath), OnnxModelOptions.CpuOnly(threads: 1));

    public static DepthPipeline Pipeline(NodeConfiguration config, IDepthModel model, ILogSink log) =>
        new(config.Options, model, new NodeDiagnostics(config.NodeName, new StageTimings()), log);
}

/// <summary>A clock the test moves by hand (input-silence warnings without waiting seconds).</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks = 1;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(Interlocked.Read(ref _ticks));
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
