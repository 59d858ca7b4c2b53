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
        var depthStamps = sink.Published.Where(p => p.Topic == "/depth/image").Select(p => p.StampNs / 1_000_000_000).ToList();
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
            sink.Published.Where(p => p.Topic == "/depth/points").Select(p => p.StampNs));
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
            sink.Published.Where(p => p.Topic == NodeConfiguration.ForOptions(options).NameOf(NodeTopic.Depth)).Select(p => p.StampNs));
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
        var sparseOptions = Options with { MetricSource = MetricSource.SparseDepth };
        using var sparsePipeline = PipelineFixture.Pipeline(model, sparseOptions);
        using var sparseNode = new DepthNodeRuntime(sparseOptions, sparsePipeline, sink, new PipelineFixture.ListSink(log), synchronous: true);
        for (var i = 0; i < 10; i++)
        {
            node.OnCameraInfo(info.AsSpan(0, 40));       // truncated
            sparseNode.OnSparseDepth(new byte[] { 0, 1, 0, 0, 9 });
        }
        Assert.Single(log, l => l.Contains("camera_info") && l.Contains("unusable"));
        Assert.Single(log, l => l.Contains("sparse depth") && l.Contains("unusable"));
        node.OnCameraInfo(info);
        node.OnImage(PipelineFixture.StreetFrame(0).Payload, false, 0);
        Assert.Equal(1, node.Diagnostics.Processed);
        Assert.Contains(sink.Published, p => p.Topic == "/depth/image");
    }

    /// <summary>A real KITTI frame (raw_depth_gt 0000000050) as a bgr8 Image stamped <paramref name="stampMs"/>, its
    /// CameraInfo, and every 20th LiDAR point of its ground truth (times <paramref name="lidarFactor"/>) as 32FC1.</summary>
    private static (byte[] Image, byte[] Info, Func<long, float, byte[]> Scan) KittiFrame(long stampMs)
    {
        var dir = DepthNode.Tests.SharedData.Path("data", "kitti", "raw_depth_gt");
        using var bgr = OpenCvSharp.Cv2.ImRead(Path.Combine(dir, "rgb", "0000000050.png"), OpenCvSharp.ImreadModes.Color);
        using var gt = OpenCvSharp.Cv2.ImRead(Path.Combine(dir, "depth", "0000000050.png"), OpenCvSharp.ImreadModes.Unchanged);
        int w = bgr.Width, h = bgr.Height;
        var pixels = new byte[w * h * 3];
        System.Runtime.InteropServices.Marshal.Copy(bgr.Data, pixels, 0, pixels.Length);
        var header = new Header(RosTime.FromNanoseconds(stampMs * 1_000_000), "image_02");
        var image = RosMessage.SerializeToArray(new Image(header, (uint)h, (uint)w, "bgr8", 0, (uint)(w * 3), pixels));
        var info = RosMessage.SerializeToArray(Camera.CameraInfoYaml.Load(Path.Combine(dir, "camera_info.yaml"), "image_02") with { Header = header });
        var truth = new float[w * h];
        var k = 0;
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var v = gt.At<ushort>(y, x);
                truth[y * w + x] = v != 0 && k++ % 20 == 0 ? v / 256f : float.NaN; // KITTI: metres = value / 256
            }
        byte[] Scan(long scanMs, float factor) => RosMessage.SerializeToArray(new Image(
            new Header(RosTime.FromNanoseconds(scanMs * 1_000_000), "velo"), (uint)h, (uint)w, "32FC1", 0, (uint)(w * 4),
            truth.Select(t => t * factor).SelectMany(BitConverter.GetBytes).ToArray()));
        return (image, info, Scan);
    }

    private sealed class MetadataSink : IDepthOutputSink
    {
        public List<DepthMetadata> Metadata { get; } = [];

        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs)
        {
            if (topic == "/depth/metadata") Metadata.Add(RosMessage.Deserialize<DepthMetadata>(cdr.ToArray()));
        }
    }

    [Fact]
    public void SparseDepth_TenHertzLidarThirtyHertzCamera_EachImageFittedToTheScanNearestInTime()
    {
        // Scans at 0 ms (the LiDAR's metres) and 100 ms (1.25 times them, all still inside the fit's 120 m range);
        // both have arrived when the images come. An image taken at 10 ms must be fitted to the first, one at 90 ms to
        // the second: fitted scales 1 : 1.25. "Latest wins" would fit both to the second.
        using var model = PipelineFixture.OpenFastDepth();
        var options = new DepthNodeOptions { MetricSource = MetricSource.SparseDepth };
        double ScaleFor(long imageMs)
        {
            var (image, info, scan) = KittiFrame(imageMs);
            using var pipeline = PipelineFixture.Pipeline(model, options);
            var sink = new MetadataSink();
            using var node = new DepthNodeRuntime(options, pipeline, sink, new PipelineFixture.ListSink([]), synchronous: true);
            node.OnSparseDepth(scan(0, 1f));
            node.OnSparseDepth(scan(100, 1.25f));
            node.OnCameraInfo(info);
            node.OnImage(image, false, 0);
            Assert.Equal(1, node.Diagnostics.Processed);
            return Assert.Single(sink.Metadata).Scale;
        }
        Assert.Equal(1.25, ScaleFor(90) / ScaleFor(10), 3);
    }

    [Fact]
    public void SparseDepth_NoScanWithinTheSlop_FrameDroppedNamingTheGap()
    {
        using var model = PipelineFixture.OpenFastDepth();
        var options = new DepthNodeOptions { MetricSource = MetricSource.SparseDepth, SparseDepthSlopMs = 50 };
        var (image, info, scan) = KittiFrame(190);
        using var pipeline = PipelineFixture.Pipeline(model, options);
        using var node = new DepthNodeRuntime(options, pipeline, new MetadataSink(), new PipelineFixture.ListSink([]), synchronous: true);
        node.OnSparseDepth(scan(100, 1f));
        node.OnCameraInfo(info);
        node.OnImage(image, false, 0);
        Assert.Equal(0, node.Diagnostics.Processed);
        Assert.Equal(1, node.Diagnostics.Dropped(FrameDropReason.MetricFitFailed));
        Assert.Equal("sparse_depth: no scan on /lidar/depth within 50 ms of the image stamp (nearest 90 ms)",
            node.Diagnostics.LastError(FrameDropReason.MetricFitFailed));
    }

    private sealed class NullSink : IDepthOutputSink
    {
        public void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs) { }
    }
}
