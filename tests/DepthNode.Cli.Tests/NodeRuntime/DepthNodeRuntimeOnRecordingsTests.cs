using System.Diagnostics;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Parameters;
using Xunit.Abstractions;

namespace DepthNode.Cli.Tests.NodeRuntime;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    /// <summary>Memory and latency are measured process-wide: nothing else may run meanwhile.</summary>
    public const string Name = "serial: measured";
}

/// <summary>
/// The node's runtime driven as the rcldotnet adapter drives it (the same callbacks, a sink for the publishers, the
/// diagnostics timer), on a real recording made by <c>depthnode kitti2bag</c> from KITTI odometry 07.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class DepthNodeRuntimeOnRecordingsTests(KittiRecording kitti, ITestOutputHelper output) : IClassFixture<KittiRecording>
{
    /// <summary>Seconds of 30 Hz input after the warm-up second; DEPTHNODE_SOAK_SECONDS=180 for the minutes-long
    /// measurement in docs/benchmarks.md.</summary>
    private static int MeasuredSeconds => int.TryParse(Environment.GetEnvironmentVariable("DEPTHNODE_SOAK_SECONDS"), out var s) && s > 0 ? s : 3;

    private static long WallNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    [Fact]
    public void Live_30HzCameraAndSlowedModel_MemoryFlatLatencyWithinOneInferenceDropsCounted()
    {
        const int warmup = 30;
        int measured = 30 * MeasuredSeconds, total = warmup + measured;
        var inference = TimeSpan.FromMilliseconds(50); // slower than the camera's 33.3 ms period
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments());
        using var fast = RuntimeFixture.FastDepth();
        using var model = new SlowedModel(fast, inference);
        var log = new ListLog();
        using var pipeline = RuntimeFixture.Pipeline(config, model, log);
        var sink = new RecordingSink();
        sink.Published.Capacity = 4 * total;
        using var node = new DepthNodeRuntime(config, pipeline, sink, log);

        var images = kitti.Images.Take(30).Select(i => (byte[])i.Clone()).ToArray();
        var info = (byte[])kitti.CameraInfos.First().Clone();
        var stamps = new long[total];
        var fedTicks = new long[total];
        var rssPerSecond = new long[total / 30 + 1];
        long allocatedBefore = 0, rssBefore = 0, sampling = 0;
        var process = Process.GetCurrentProcess();
        var period = Stopwatch.Frequency / 30;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            while (Stopwatch.GetTimestamp() < start + i * period) Thread.Sleep(1);
            if (i == warmup)
            {
                process.Refresh();
                rssBefore = process.WorkingSet64;
                allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                sampling = 0;
            }
            var image = images[i % images.Length];
            stamps[i] = WallNs(); // a live camera stamps at capture
            KittiRecording.Stamp(image, stamps[i]);
            KittiRecording.Stamp(info, stamps[i]);
            node.OnCameraInfo(info);
            fedTicks[i] = Stopwatch.GetTimestamp();
            node.OnImage(image, compressed: false, receiveTimeNs: stamps[i]);
            if (i % 30 == 29)
            {
                node.PublishDiagnostics(RosTime.FromNanoseconds(WallNs())); // the adapter's 1 s timer
                var beforeSample = GC.GetTotalAllocatedBytes(precise: true);
                rssPerSecond[i / 30] = Environment.WorkingSet;             // reading /proc allocates: not the node's
                sampling += GC.GetTotalAllocatedBytes(precise: true) - beforeSample;
            }
        }
        Assert.True(node.Drain(TimeSpan.FromSeconds(10)));
        var allocatedPerFrame = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - sampling) / (double)measured;
        process.Refresh();
        var rssGrowthMb = (process.WorkingSet64 - rssBefore) / 1e6;
        var processed = sink.On("/depth/image").ToArray();
        var observed = processed.Skip(1).Select(p => Ms(p.PublishedTicks - fedTicks[Array.IndexOf(stamps, p.StampNs)])).Order().ToArray();
        output.WriteLine($"30 Hz input, inference slowed to >= 50 ms, {MeasuredSeconds} s measured: processed {processed.Length} of {total}, " +
            $"latency ms median {observed[observed.Length / 2]:0.0} p99 {observed[(int)Math.Ceiling(0.99 * observed.Length) - 1]:0.0} max {observed[^1]:0.0}, " +
            $"{allocatedPerFrame:0} B/frame after warm-up, RSS +{rssGrowthMb:0.0} MB (from {rssBefore / 1e6:0} MB); RSS MB at " +
            string.Join(", ", new[] { 1, 10, 30, 60, 120, 180 }.Where(t => t < rssPerSecond.Length).Select(t => $"{t} s {rssPerSecond[t] / 1e6:0.0}")));
        node.PublishDiagnostics(RosTime.FromNanoseconds(WallNs()));

        // Every frame is either published or superseded by a newer one; nothing else is lost.
        var d = node.Diagnostics;
        var superseded = d.Dropped(FrameDropReason.Superseded);
        Assert.Equal(total, d.Processed + superseded);
        Assert.Equal(superseded, d.DroppedTotal);
        Assert.InRange(superseded, total / 4, total - 1); // 50 ms per frame against 33 ms between frames
        var last = sink.Diagnostics()[^1];
        Assert.Equal(superseded.ToString(), last["dropped_superseded"]);
        Assert.Equal(d.Processed.ToString(), last["frames_processed"]);

        // Latency, measured here from the callback to the depth image leaving the sink. A frame waits at most for the
        // one frame in progress when it arrived, then for its own processing: it arrived after the worker took the
        // frame before it, which was after the one before that was published. So each latency is below the time
        // between its own publish and the publish two frames earlier, whatever the load on the machine; and never
        // below one inference.
        var depth = sink.On("/depth/image").ToArray();
        Assert.Equal(d.Processed, depth.Length);
        Assert.Equal(stamps[^1], depth[^1].StampNs);                    // the newest frame is never dropped
        var latencies = new List<double>();
        for (var k = 2; k < depth.Length; k++)
        {
            var i = Array.IndexOf(stamps, depth[k].StampNs);
            var latency = Ms(depth[k].PublishedTicks - fedTicks[i]);
            latencies.Add(latency);
            Assert.InRange(latency, inference.TotalMilliseconds, Ms(depth[k].PublishedTicks - depth[k - 2].PublishedTicks));
        }
        var twoFrames = depth.Zip(depth.Skip(2), (a, b) => Ms(b.PublishedTicks - a.PublishedTicks)).Max();
        // /diagnostics reports the same latencies (receive to the last output of the frame).
        var periods = sink.Diagnostics().Skip(1).Select(p => p["latency_receive_to_publish_ms_p99"]).Where(p => p != "n/a").ToArray();
        Assert.NotEmpty(periods);
        foreach (var p99 in periods)
            Assert.InRange(double.Parse(p99, System.Globalization.CultureInfo.InvariantCulture), inference.TotalMilliseconds, twoFrames + 5);

        // Memory: flat after the first second.
        Assert.True(allocatedPerFrame < 2048, $"{allocatedPerFrame:0} B allocated per frame after warm-up");
        Assert.True(rssGrowthMb < 16, $"RSS grew {rssGrowthMb:0.0} MB over {measured} frames after warm-up");
    }

    [Fact]
    public void CameraInfoLate_ExactSync_EveryImageWaitsForItsOwn()
    {
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments("-p", "sync_mode:=exact"));
        using var model = RuntimeFixture.FastDepth();
        using var pipeline = RuntimeFixture.Pipeline(config, model, new ListLog());
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(config, pipeline, sink, new ListLog(), synchronous: true);
        var images = kitti.Images.Take(6).ToArray();
        var infos = kitti.CameraInfos.Take(6).ToArray();
        for (var i = 0; i < 6; i++)
        {
            node.OnImage(images[i], false, i);   // the driver publishes the image first
            node.OnCameraInfo(infos[i]);
        }
        Assert.Equal(6, node.Diagnostics.Processed);
        Assert.Equal(images.Select(i => KittiRecording.StampOf(i)), sink.On("/depth/camera_info").Select(p => p.StampNs));
    }

    [Fact]
    public void CameraInfoMissing_FramesDroppedAndTheSilentTopicNamedWithItsQos()
    {
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments());
        using var model = RuntimeFixture.FastDepth();
        var log = new ListLog();
        using var pipeline = RuntimeFixture.Pipeline(config, model, log);
        var time = new ManualTime();
        using var node = new DepthNodeRuntime(config, pipeline, new RecordingSink(), log, synchronous: true, time);
        time.Advance(TimeSpan.FromSeconds(6));
        foreach (var image in kitti.Images.Take(5)) node.OnImage(image, false, 0);
        node.CheckInputs();
        node.Flush();
        Assert.Equal(0, node.Diagnostics.Processed);
        Assert.Equal(5, node.Diagnostics.Dropped(FrameDropReason.NoCameraInfo));
        var silent = Assert.Single(log.Snapshot(), l => l.Contains("nothing received"));
        Assert.Contains("nothing received on /kitti/camera_0/camera_info (sensor_msgs/msg/CameraInfo); subscribed best_effort, volatile, keep_last 5", silent);
        node.CheckInputs();                                               // throttled
        Assert.Single(log.Snapshot(), l => l.Contains("nothing received"));
    }

    [Fact]
    public void CameraInfoOfAnotherSize_NeverPublishedAgainstADepthImageOfADifferentSize()
    {
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments());
        using var model = RuntimeFixture.FastDepth();
        using var pipeline = RuntimeFixture.Pipeline(config, model, new ListLog());
        var sink = new RecordingSink { KeepPayloads = true };
        using var node = new DepthNodeRuntime(config, pipeline, sink, new ListLog(), synchronous: true);
        var original = RosMessage.Deserialize<CameraInfo>(kitti.CameraInfos.First());
        var half = RosMessage.SerializeToArray(original with { Width = original.Width / 2, Height = original.Height / 2 });
        node.OnCameraInfo(half);
        foreach (var image in kitti.Images.Take(3)) node.OnImage(image, false, 0);
        var d = node.Diagnostics;
        // Rescaled consistently or refused and counted (CameraInfo validation decides which); never a crash, never a
        // CameraInfo that does not describe the depth image published with it.
        Assert.Equal(3, d.Processed + d.DroppedTotal);
        var depth = sink.On("/depth/image").Select(p => RosMessage.Deserialize<Image>(p.Cdr!)).ToArray();
        var infos = sink.On("/depth/camera_info").Select(p => RosMessage.Deserialize<CameraInfo>(p.Cdr!)).ToArray();
        Assert.Equal(depth.Length, infos.Length);
        Assert.All(depth.Zip(infos), p => Assert.Equal((p.First.Width, p.First.Height), (p.Second.Width, p.Second.Height)));
    }

    [Fact]
    public void CorruptMessagesMidStream_DroppedCountedAndTheNodeKeepsWorking()
    {
        // A throttle period longer than any run: on a loaded machine the 24 messages can take more than the default 5 s,
        // and the single warning asserted below would legitimately be repeated.
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments("-p", "log_throttle_s:=3600"));
        using var model = RuntimeFixture.FastDepth();
        var log = new ListLog();
        using var pipeline = RuntimeFixture.Pipeline(config, model, log);
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(config, pipeline, sink, log);   // live: worker thread
        var messages = kitti.Messages.Take(24).Select(m => (m.Topic, Cdr: (byte[])m.Cdr.Clone())).ToArray();
        var images = messages.Where(m => m.Topic == KittiRecording.ImageTopic).ToArray();
        var truncated = images[3].Cdr.AsSpan(0, images[3].Cdr.Length / 2).ToArray();
        BitConverter.TryWriteBytes(images[6].Cdr.AsSpan(28, 4), 0x7fff_0000u);   // height: far more rows than the data holds
        var corruptInfo = messages.First(m => m.Topic == KittiRecording.CameraInfoTopic).Cdr.AsSpan(0, 30).ToArray();
        var fed = 0;
        foreach (var (topic, cdr) in messages)
        {
            if (topic == KittiRecording.CameraInfoTopic) { node.OnCameraInfo(cdr); node.OnCameraInfo(corruptInfo); }
            else node.OnImage(ReferenceEquals(cdr, images[3].Cdr) ? truncated : cdr, false, fed++);
            Assert.True(node.Drain(TimeSpan.FromSeconds(10)));               // a camera slower than inference: nothing superseded
        }
        var d = node.Diagnostics;
        Assert.Equal(12, fed);
        Assert.Equal(2, d.Dropped(FrameDropReason.BadImage));
        Assert.Equal(10, d.Processed);
        Assert.Equal(10, sink.On("/depth/image").Count());
        Assert.Single(log.Snapshot(), l => l.Contains("camera_info on /kitti/camera_0/camera_info unusable"));
    }

    [Fact]
    public void ParamsFileWithAWrongType_RefusedWithOneLine_ThenTheCorrectedFileRuns()
    {
        var path = Path.Combine(Path.GetTempPath(), $"depthnode-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "/**:\n  ros__parameters:\n    cloud_stride: two\n    publish_colorized: false\n");
        var e = Assert.Throws<ParameterException>(() => NodeConfiguration.FromArguments(KittiRecording.Arguments("--params-file", path)));
        Assert.Equal($"{path}:3:19: parameter cloud_stride = 'two' is a string, must be an integer in [1, 64]", Assert.Single(e.Lines));

        File.WriteAllText(path, "/**:\n  ros__parameters:\n    cloud_stride: 2\n    publish_colorized: false\n");
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments("--params-file", path));
        using var model = RuntimeFixture.FastDepth();
        using var pipeline = RuntimeFixture.Pipeline(config, model, new ListLog());
        var sink = new RecordingSink { KeepPayloads = true };
        using var node = new DepthNodeRuntime(config, pipeline, sink, new ListLog(), synchronous: true);
        Feed(node, config, kitti.Messages.Take(4));
        var cloud = RosMessage.Deserialize<PointCloud2>(sink.On("/depth/points").First().Cdr!);
        Assert.Equal((370u / 2, 1226u / 2), (cloud.Height, cloud.Width));  // cloud_stride 2
        Assert.Empty(sink.On("/depth/colorized"));
    }

    [Fact]
    public void RemappedNamespace_InputsFollowTheRemapsAndOutputsMoveUnderTheNamespace()
    {
        var config = NodeConfiguration.FromArguments(
        [
            "--ros-args", "-r", "__ns:=/front", "-r", "__node:=mono_depth",
            "-r", "camera/image_raw:=" + KittiRecording.ImageTopic, "-r", "/front/camera/camera_info:=" + KittiRecording.CameraInfoTopic,
            "-p", "metric_source:=ground_plane",
        ]);
        using var model = RuntimeFixture.FastDepth();
        var log = new ListLog();
        using var pipeline = RuntimeFixture.Pipeline(config, model, log);
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(config, pipeline, sink, log, synchronous: true);
        Feed(node, config, kitti.Messages.Take(6));
        node.PublishDiagnostics(default);
        var topics = sink.Published.GroupBy(p => p.Topic).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["/front/depth/image"] = 3, ["/front/depth/camera_info"] = 3, ["/front/depth/points"] = 3,
            ["/front/depth/colorized"] = 3, ["/front/depth/metadata"] = 3, ["/diagnostics"] = 1,
        }, topics);
        // The resolved names are logged once, at start.
        var started = log.Snapshot();
        Assert.Single(started, l => l.Contains("node /front/mono_depth"));
        Assert.Single(started, l => l.Contains("subscribes /kitti/camera_0/image_raw (sensor_msgs/msg/Image; best_effort, volatile, keep_last 5)"));
        Assert.Single(started, l => l.Contains("publishes /front/depth/points (sensor_msgs/msg/PointCloud2; reliable, volatile, keep_last 5)"));
    }

    [Fact]
    public void NoCloudSubscriber_NoCloudComputed_AndNoSubscriberAtAll_NoInference()
    {
        var config = NodeConfiguration.FromArguments(KittiRecording.Arguments());
        using var model = RuntimeFixture.FastDepth();
        using var pipeline = RuntimeFixture.Pipeline(config, model, new ListLog());
        var sink = new RecordingSink();
        using var node = new DepthNodeRuntime(config, pipeline, sink, new ListLog(), synchronous: true);
        var timings = node.Diagnostics.Timings;

        node.SetSubscriberCount(NodeTopic.Cloud, 0);
        Feed(node, config, kitti.Messages.Take(6));
        Assert.Equal(3, sink.On("/depth/image").Count());
        Assert.Empty(sink.On("/depth/points"));
        Assert.Equal(0, timings.Count(PipelineStage.PointCloud));            // the cloud stage never ran

        foreach (var output in new[] { NodeTopic.Depth, NodeTopic.DepthCameraInfo, NodeTopic.Colorized, NodeTopic.Metadata })
            node.SetSubscriberCount(output, 0);
        Feed(node, config, kitti.Messages.Skip(6).Take(6));
        Assert.Equal(3, timings.Count(PipelineStage.Inference));             // nobody listens: the network did not run
        Assert.Equal(3, node.Diagnostics.SkippedNoSubscriber);

        node.SetSubscriberCount(NodeTopic.Cloud, 2);
        Feed(node, config, kitti.Messages.Skip(12).Take(2));
        Assert.Single(sink.On("/depth/points"));
        Assert.Equal(1, timings.Count(PipelineStage.PointCloud));
    }

    [Fact]
    public void OtherToolsCompressedRecordingWithoutCameraInfo_EveryFrameDroppedAndCountedAndTheMissingTopicNamed()
    {
        // rosbag2.js's sample: one /image/compressed (jpeg, 640x480) and no CameraInfo at all.
        var config = NodeConfiguration.FromArguments(
            ["--ros-args", "-p", "image_transport:=compressed", "-r", "camera/image_raw/compressed:=/image/compressed", "-p", "input_timeout_s:=1.0"]);
        Assert.Equal(("/image/compressed", "sensor_msgs/msg/CompressedImage"), (config.NameOf(NodeTopic.Image), config.Topic(NodeTopic.Image)!.MessageType));
        using var model = RuntimeFixture.FastDepth();
        var log = new ListLog();
        using var pipeline = RuntimeFixture.Pipeline(config, model, log);
        var time = new ManualTime();
        using var node = new DepthNodeRuntime(config, pipeline, new RecordingSink(), log, synchronous: true, time);
        using var bag = DepthNode.Bags.BagReader.Open(DepthNode.Tests.SharedData.Path("bags", "rosbag2js", "sample.db3"));
        var images = 0;
        foreach (var m in bag.ReadMessages())
        {
            if (m.Topic.Name != config.NameOf(NodeTopic.Image)) continue;
            time.Advance(TimeSpan.FromSeconds(1.5));           // longer than input_timeout_s since the start
            node.OnImage(m.Data.Span, compressed: true, m.LogTimeNs);
            images++;
            node.CheckInputs();
        }
        node.Flush();
        Assert.True(images > 0);
        Assert.Equal(images, node.Diagnostics.Dropped(FrameDropReason.NoCameraInfo));
        Assert.Equal(images, node.Diagnostics.DroppedTotal);
        var lines = log.Snapshot();
        Assert.Contains(lines, l => l.Contains("nothing received on /camera/camera_info (sensor_msgs/msg/CameraInfo); subscribed best_effort"));
        Assert.DoesNotContain(lines, l => l.Contains("nothing received on /image/compressed"));
    }

    /// <summary>Routes recorded messages to the callbacks the adapter would subscribe them to.</summary>
    private static void Feed(DepthNodeRuntime node, NodeConfiguration config, IEnumerable<(string Topic, byte[] Cdr)> messages)
    {
        foreach (var (topic, cdr) in messages)
            if (topic == config.NameOf(NodeTopic.Image)) node.OnImage(cdr, false, KittiRecording.StampOf(cdr));
            else if (topic == config.NameOf(NodeTopic.CameraInfo)) node.OnCameraInfo(cdr);
    }
}
