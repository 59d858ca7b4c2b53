using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Inference.Tests.Pipeline;

public class DepthNodeRuntimeTests
{
    private sealed class RecordingSink : IDepthOutputSink
    {
        public List<(string Topic, long StampNs)> Published { get; } = new(1024); // sized up front: the allocation tests measure around it

        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs)
        {
            var r = new Cdr.CdrReader(cdr);
            var stamp = new RosTime(r.ReadInt32("sec"), r.ReadUInt32("nanosec")).TotalNanoseconds;
            lock (Published) Published.Add((topic, stamp));
        }
    }

    private static readonly DepthNodeOptions Options = new() { MetricSource = MetricSource.GroundPlane };

    [Fact]
    public void Live_CameraFasterThanInference_DropsStaleFramesButAlwaysProcessesTheNewest()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, Options);
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(Options, pipeline, sink, new PipelineFixture.ListSink([]));
        var frames = Enumerable.Range(0, 4).Select(f => PipelineFixture.StreetFrame(f).Payload).ToArray();
        node.OnCameraInfo(RosMessage.SerializeToArray(StreetScene.CameraInfoAt(0)));
        const int total = 40;
        for (var i = 0; i < total; i++)
        {
            var stamped = (byte[])frames[i % 4].Clone();
            BitConverter.TryWriteBytes(stamped.AsSpan(4, 4), 1000 + i); // stamp.sec = 1000 + i
            node.OnImage(stamped, compressed: false, receiveTimeNs: i);   // a burst: no time for inference in between
        }
        Assert.True(node.Drain(TimeSpan.FromSeconds(30)));
        var d = node.Diagnostics;
        Assert.Equal(total, d.Processed + d.Dropped(FrameDropReason.Superseded));
        Assert.True(d.Dropped(FrameDropReason.Superseded) > 0);
        var depthStamps = sink.Published.Where(p => p.Topic == Options.DepthTopic).Select(p => p.StampNs / 1_000_000_000).ToList();
        Assert.Equal(1000 + total - 1, depthStamps[^1]);                      // the newest frame is never dropped
        Assert.True(depthStamps.Zip(depthStamps.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void Live_CameraSlowerThanInference_ProcessesEveryFrame()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, Options);
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(Options, pipeline, sink, new PipelineFixture.ListSink([]));
        for (var f = 0; f < 5; f++)
        {
            node.OnImage(PipelineFixture.StreetFrame(f).Payload, false, f);
            node.OnCameraInfo(RosMessage.SerializeToArray(StreetScene.CameraInfoAt(f)));
            Assert.True(node.Drain(TimeSpan.FromSeconds(10)));                // the next frame comes after this one is done
        }
        Assert.Equal(5, node.Diagnostics.Processed);
        Assert.Equal(0, node.Diagnostics.DroppedTotal);
        Assert.Equal(Enumerable.Range(0, 5).Select(f => StreetScene.HeaderAt(f).Stamp.TotalNanoseconds),
            sink.Published.Where(p => p.Topic == Options.CloudTopic).Select(p => p.StampNs));
    }

    [Theory]
    [InlineData(CameraInfoSyncMode.CacheLatest, true)]
    [InlineData(CameraInfoSyncMode.Exact, true)]
    [InlineData(CameraInfoSyncMode.Exact, false)]
    [InlineData(CameraInfoSyncMode.Approximate, true)]
    [InlineData(CameraInfoSyncMode.Approximate, false)]
    public void Synchronous_EverySyncMode_ImageAndRepeatedCameraInfoAllocateNothing(CameraInfoSyncMode mode, bool cameraInfoFirst)
    {
        var options = Options with { SyncMode = mode };
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, options);
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(options, pipeline, sink, new PipelineFixture.ListSink([]), synchronous: true);
        // Each image with the CameraInfo of the same stamp (what a driver publishes), in either arrival order; the
        // calibration is the same every time, only the stamps differ.
        const int n = 10;
        var images = Enumerable.Range(0, n).Select(f => PipelineFixture.StreetFrame(f % 4).Payload).ToArray();
        for (var f = 0; f < n; f++) Stamp(images[f], f);
        var infos = Enumerable.Range(0, n).Select(f => RosMessage.SerializeToArray(StreetScene.CameraInfoAt(0) with { Header = new Header(new RosTime(2000 + f, 0), "camera") })).ToArray();
        long info = 0, frame = 0;
        for (var f = 0; f < n; f++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            if (cameraInfoFirst) node.OnCameraInfo(infos[f]); else node.OnImage(images[f], false, f);
            var between = GC.GetAllocatedBytesForCurrentThread();
            if (cameraInfoFirst) node.OnImage(images[f], false, f); else node.OnCameraInfo(infos[f]);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (f < 3) continue; // warm-up: first decode, buffers sized
            (info, frame) = cameraInfoFirst ? (info + between - before, frame + after - between) : (info + after - between, frame + between - before);
        }
        Assert.Equal((0L, 0L), (info, frame));
        Assert.Equal(n, node.Diagnostics.Processed);
        // Every frame was paired with the CameraInfo of its own stamp: the depth goes out under the image's stamp.
        Assert.Equal(Enumerable.Range(0, n).Select(f => (2000L + f) * 1_000_000_000),
            sink.Published.Where(p => p.Topic == options.DepthTopic).Select(p => p.StampNs));
    }

    [Fact]
    public void Synchronous_ExactSync_ImageWithoutACameraInfoOfItsStamp_IsNotPairedWithAnotherOne()
    {
        var options = Options with { SyncMode = CameraInfoSyncMode.Exact };
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, options);
        using var node = new DepthNodeRuntime(options, pipeline, new NullSink(), new PipelineFixture.ListSink([]), synchronous: true);
        var info = StreetScene.CameraInfoAt(0) with { Header = new Header(new RosTime(2000, 0), "camera") };
        node.OnCameraInfo(RosMessage.SerializeToArray(info));
        node.OnCameraInfo(RosMessage.SerializeToArray(info with { Header = new Header(new RosTime(2001, 0), "camera") })); // same body, reused
        var image = PipelineFixture.StreetFrame(0).Payload;
        Stamp(image, 2);                                     // stamp 2002: no CameraInfo has it
        node.OnImage(image, false, 0);
        Assert.Equal(0, node.Diagnostics.Processed);
        Stamp(image, 1);                                     // stamp 2001: the reused CameraInfo under its own stamp
        node.OnImage(image, false, 1);
        Assert.Equal(1, node.Diagnostics.Processed);
    }

    /// <summary>Sets the header stamp of a serialized image to 2000 + <paramref name="f"/> s.</summary>
    private static void Stamp(byte[] payload, int f)
    {
        BitConverter.TryWriteBytes(payload.AsSpan(4, 4), 2000 + f);
        BitConverter.TryWriteBytes(payload.AsSpan(8, 4), 0u);
    }

    [Fact]
    public void MalformedCameraInfoAndSparseDepth_AreLoggedOnceAndTheNodeKeepsWorking()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, Options);
        var log = new List<string>();
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(Options, pipeline, sink, new PipelineFixture.ListSink(log), synchronous: true);
        var info = RosMessage.SerializeToArray(StreetScene.CameraInfoAt(0));
        for (var i = 0; i < 10; i++)
        {
            node.OnCameraInfo(info.AsSpan(0, 40));       // truncated
            node.OnSparseDepth(new byte[] { 0, 1, 0, 0, 9 });
        }
        Assert.Single(log, l => l.Contains("camera_info") && l.Contains("unusable"));
        Assert.Single(log, l => l.Contains("sparse depth") && l.Contains("unusable"));
        node.OnCameraInfo(info);
        node.OnImage(PipelineFixture.StreetFrame(0).Payload, false, 0);
        Assert.Equal(1, node.Diagnostics.Processed);
        Assert.Contains(sink.Published, p => p.Topic == Options.DepthTopic);
    }

    private sealed class NullSink : IDepthOutputSink
    {
        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs) { }
    }
}
