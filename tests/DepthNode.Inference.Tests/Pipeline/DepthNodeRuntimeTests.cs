using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Inference.Tests.Pipeline;

public class DepthNodeRuntimeTests
{
    private sealed class RecordingSink : IDepthOutputSink
    {
        public List<(string Topic, long StampNs)> Published { get; } = [];

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

    [Fact]
    public void Synchronous_ImageAndRepeatedCameraInfo_AllocateNothingPerFrame()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, Options);
        using var node = new DepthNodeRuntime(Options, pipeline, new NullSink(), new PipelineFixture.ListSink([]), synchronous: true);
        var image = PipelineFixture.StreetFrame(1).Payload;
        var infos = Enumerable.Range(0, 8).Select(f => RosMessage.SerializeToArray(StreetScene.CameraInfoAt(f))).ToArray();
        for (var i = 0; i < 3; i++) { node.OnCameraInfo(infos[i]); node.OnImage(image, false, i); }
        long info = 0, frame = 0;
        for (var i = 3; i < 8; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            node.OnCameraInfo(infos[i]);
            var between = GC.GetAllocatedBytesForCurrentThread();
            node.OnImage(image, false, i);
            info += between - before;
            frame += GC.GetAllocatedBytesForCurrentThread() - between;
        }
        Assert.Equal((0L, 0L), (info / 5, frame / 5));
        Assert.Equal(8, node.Diagnostics.Processed);
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
