using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class DiagnosticsTests
{
    [Fact]
    public void StageTimings_QuantilesMatchSortedSamples()
    {
        var t = new StageTimings(window: 1000);
        var rng = new Random(7);
        var samples = Enumerable.Range(0, 999).Select(_ => rng.NextDouble() * 10).ToArray();
        foreach (var s in samples) t.RecordMs(PipelineStage.Inference, s);
        var sorted = samples.Order().ToArray();
        Assert.Equal(sorted[499], t.Median(PipelineStage.Inference));          // nearest rank: ceil(0.5*999) = 500th
        Assert.Equal(sorted[989], t.Quantile(PipelineStage.Inference, 0.99));  // ceil(0.99*999) = 990th
        Assert.True(double.IsNaN(t.Median(PipelineStage.Encode)));
    }

    [Fact]
    public void StageTimings_WindowKeepsOnlyRecentSamples()
    {
        var t = new StageTimings(window: 4);
        foreach (var ms in new[] { 100.0, 100, 100, 100, 1, 2, 3, 4 }) t.RecordMs(PipelineStage.Total, ms);
        Assert.Equal(4, t.Count(PipelineStage.Total));
        Assert.Equal(4, t.Quantile(PipelineStage.Total, 1.0));
    }

    [Fact]
    public void ThrottledLog_WritesOncePerPeriodAndCountsSuppressed()
    {
        var lines = new List<string>();
        var now = TimeSpan.Zero;
        var log = new ThrottledLog(new ListSink(lines), TimeSpan.FromSeconds(5), () => now);
        Assert.True(log.Log("bad_encoding", LogLevel.Warn, "bad encoding 'foo'"));
        for (var i = 0; i < 9; i++) { now += TimeSpan.FromMilliseconds(100); Assert.False(log.Log("bad_encoding", LogLevel.Warn, "bad encoding 'foo'")); }
        Assert.True(log.Log("no_camera_info", LogLevel.Warn, "no camera info")); // other keys are independent
        now += TimeSpan.FromSeconds(5);
        Assert.True(log.Log("bad_encoding", LogLevel.Warn, "bad encoding 'foo'"));
        Assert.Equal(["[WARN] bad encoding 'foo'", "[WARN] no camera info", "[WARN] bad encoding 'foo' (9 similar suppressed)"], lines);
    }

    [Fact]
    public void NodeDiagnostics_LevelFollowsWhatHappenedInThePeriod()
    {
        var d = new NodeDiagnostics("depth_node", new StageTimings());
        var first = d.Report(TimeSpan.FromSeconds(1));
        Assert.Equal(DiagnosticLevel.Ok, first.Level);
        Assert.Contains(new KeyValuePair<string, string>("fps", "n/a"), first.Values); // no period behind the first report

        d.FrameReceived(); d.FrameDropped(FrameDropReason.BadImage, "encoding 'foo' unknown");
        var r = d.Report(TimeSpan.FromSeconds(2));
        Assert.Equal(DiagnosticLevel.Error, r.Level);          // frames arrive, none succeeds
        Assert.Contains(new KeyValuePair<string, string>("dropped_bad_image", "1"), r.Values);
        Assert.Contains(new KeyValuePair<string, string>("last_error_bad_image", "encoding 'foo' unknown"), r.Values);

        d.FrameReceived(); d.FrameProcessed("ground_plane", 2.5, 0, 0);
        d.FrameReceived(); d.FrameDropped(FrameDropReason.NoCameraInfo);
        r = d.Report(TimeSpan.FromSeconds(3));
        Assert.Equal(DiagnosticLevel.Warn, r.Level);
        Assert.Contains(new KeyValuePair<string, string>("metric_source", "ground_plane"), r.Values);
        Assert.Contains(new KeyValuePair<string, string>("fps", "1"), r.Values);

        d.FrameReceived(); d.FrameProcessed("ground_plane", 2.5, 0, 0);
        d.FrameDropped(FrameDropReason.Superseded);            // dropping stale frames is normal operation
        Assert.Equal(DiagnosticLevel.Ok, d.Report(TimeSpan.FromSeconds(4)).Level);
    }

    private sealed class ListSink(List<string> lines) : ILogSink
    {
        public void Write(LogLevel level, string message) => lines.Add($"[{level.ToString().ToUpperInvariant()}] {message}");
    }
}
