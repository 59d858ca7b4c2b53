using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Inference.Tests.Pipeline;

public class BagDepthRunnerTests
{
    private static string TempBag(string name) => Path.Combine(Path.GetTempPath(), $"depthnode-{name}-{Guid.NewGuid():N}");

    /// <summary>A street recording whose CameraInfo stamps are shifted by <paramref name="infoOffsetNs"/> from the images'.</summary>
    private static string StreetBag(int frames, long infoOffsetNs)
    {
        var path = TempBag("in");
        using var bag = BagWriter.Create(path);
        bag.AddTopic(new TopicInfo("/camera/image_raw", Image.RosTypeName, "cdr", "", "", MessageDefinitions.Get(Image.RosTypeName)));
        bag.AddTopic(new TopicInfo("/camera/camera_info", CameraInfo.RosTypeName, "cdr", "", "", MessageDefinitions.Get(CameraInfo.RosTypeName)));
        for (var f = 0; f < frames; f++)
        {
            var (payload, _) = PipelineFixture.StreetFrame(f);
            var t = StreetScene.HeaderAt(f).Stamp.TotalNanoseconds;
            var info = StreetScene.CameraInfoAt(f) with { Header = new Header(RosTime.FromNanoseconds(t + infoOffsetNs), StreetScene.FrameId) };
            bag.Write("/camera/camera_info", t + 1000, t, RosMessage.SerializeToArray(info)); // CameraInfo first this time
            bag.Write("/camera/image_raw", t + 2000, t, payload);
        }
        return path;
    }

    private static (BagRunSummary Summary, NodeDiagnostics Diagnostics, string Output) Run(string input, DepthNodeOptions options)
    {
        using var model = PipelineFixture.OpenFastDepth();
        var diagnostics = new NodeDiagnostics("depth_node", new StageTimings());
        using var pipeline = new DepthPipeline(options, model, diagnostics, new PipelineFixture.ListSink([]));
        var output = TempBag("out");
        using var reader = BagReader.Open(input);
        BagRunSummary summary;
        using (var writer = BagWriter.Create(output)) summary = new BagDepthRunner(options, pipeline, new PipelineFixture.ListSink([])).Run(reader, writer);
        return (summary, diagnostics, output);
    }

    [Theory]
    [InlineData(CameraInfoSyncMode.Exact, 0, 4)]
    [InlineData(CameraInfoSyncMode.Exact, 1_000_000, 0)]        // 1 ms apart is not exact
    [InlineData(CameraInfoSyncMode.Approximate, 1_000_000, 4)]  // within the 20 ms slop
    [InlineData(CameraInfoSyncMode.Approximate, 50_000_000, 0)] // beyond it
    [InlineData(CameraInfoSyncMode.CacheLatest, 50_000_000, 4)] // stamps do not matter
    public void SyncMode_DecidesWhichFramesPair(CameraInfoSyncMode mode, long offsetNs, int processed)
    {
        var (summary, diagnostics, _) = Run(StreetBag(4, offsetNs), new DepthNodeOptions { SyncMode = mode, MetricSource = MetricSource.GroundPlane });
        Assert.Equal(4, summary.Images);
        Assert.Equal(processed, summary.Processed);
        Assert.Equal(4 - processed, diagnostics.Dropped(FrameDropReason.NoCameraInfo));
    }

    [Fact]
    public void Diagnostics_AreRecordedAsDiagnosticArrayWithTheCounters()
    {
        var (_, _, output) = Run(StreetBag(3, 0), new DepthNodeOptions { MetricSource = MetricSource.GroundPlane });
        using var bag = BagReader.Open(output);
        var all = bag.ReadMessages(new BagReadOptions { Topics = ["/diagnostics"] }).Select(m => (m.LogTimeNs, Array: RosMessage.Deserialize<DiagnosticArray>(m.Data.ToArray()))).ToList();
        // One at the first image, one with the final counts at the end of the bag: both inside the recording's time.
        Assert.Equal(2, all.Count);
        var start = StreetScene.HeaderAt(0).Stamp.TotalNanoseconds;
        Assert.All(all, d => Assert.InRange(d.LogTimeNs, start, start + 1_000_000_000));
        Assert.All(all, d => Assert.Equal(d.LogTimeNs, d.Array.Header.Stamp.TotalNanoseconds));
        var last = all[^1].Array;
        var status = Assert.Single(last.Status);
        Assert.Equal(DiagnosticStatus.Ok, status.Level);
        var values = status.Values.ToDictionary(v => v.Key, v => v.Value);
        Assert.Equal("3", values["frames_processed"]);
        Assert.Equal("ground_plane", values["metric_source"]);
        Assert.Equal("CPUExecutionProvider", values["execution_provider"]);
        Assert.Equal("0", values["dropped_bad_image"]);
    }

    [Fact]
    public void CopyInputs_KeepsTheInputTopicsByteForByte()
    {
        var input = StreetBag(2, 0);
        var options = new DepthNodeOptions { MetricSource = MetricSource.GroundPlane };
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = new DepthPipeline(options, model, new NodeDiagnostics("d", new StageTimings()), new PipelineFixture.ListSink([]));
        var output = TempBag("out");
        using (var reader = BagReader.Open(input))
        using (var writer = BagWriter.Create(output))
            new BagDepthRunner(options, pipeline, new PipelineFixture.ListSink([])) { CopyInputs = true }.Run(reader, writer);
        using var a = BagReader.Open(input);
        using var b = BagReader.Open(output);
        var original = a.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
        var copied = b.ReadMessages(new BagReadOptions { Topics = ["/camera/image_raw", "/camera/camera_info"] })
            .Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
        Assert.Equal(original, copied);
    }
}
