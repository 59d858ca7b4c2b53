using System.Runtime.InteropServices;
using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Inference.Tests.Pipeline;

public class DepthPipelineTests
{
    [Fact]
    public void StreetFrame_ProducesEveryOutputWithTheInputHeader()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(3);
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(3)));
        var o = pipeline.Outputs;
        Assert.True(o.HasDepth && o.HasCameraInfo && o.HasCloud && o.HasColorized && o.HasMetadata);
        var header = StreetScene.HeaderAt(3);

        var depth = RosMessage.Deserialize<Image>(o.Depth.WrittenMemory.ToArray());
        Assert.Equal(header, depth.Header);                     // REP: outputs carry the source header unchanged
        Assert.Equal(("32FC1", 1242u, 375u, 1242u * 4), (depth.Encoding, depth.Width, depth.Height, depth.Step));
        var metres = MemoryMarshal.Cast<byte, float>(depth.Data.Span);
        // FastDepth's output is positive everywhere and the ground plane's scale positive: every pixel has a depth.
        Assert.All(metres.ToArray(), z => Assert.True(float.IsFinite(z) && z > 0, $"depth {z}"));

        var info = RosMessage.Deserialize<CameraInfo>(o.CameraInfo.WrittenMemory.ToArray());
        Assert.Equal(header, info.Header);
        Assert.Equal(StreetScene.CameraInfoAt(3).K, info.K);

        var cloud = RosMessage.Deserialize<PointCloud2>(o.Cloud.WrittenMemory.ToArray());
        Assert.Equal(header, cloud.Header);
        Assert.Equal((375u, 1242u, 16u, 1242u * 16), (cloud.Height, cloud.Width, cloud.PointStep, cloud.RowStep));
        Assert.Equal(["x", "y", "z"], cloud.Fields.Select(f => f.Name));
        // Every cloud point is the depth pixel back-projected through P: check one on the road.
        var (u, v) = (700, 340);
        var z = metres[v * 1242 + u];
        var point = MemoryMarshal.Cast<byte, float>(cloud.Data.Span.Slice((v * 1242 + u) * 16, 12));
        Assert.Equal(z, point[2]);
        Assert.Equal((u - StreetScene.PrincipalX) / StreetScene.Focal * z, point[0], 1e-3);
        Assert.Equal((v - StreetScene.PrincipalY) / StreetScene.Focal * z, point[1], 1e-3);
        Assert.Equal(metres.ToArray().All(float.IsFinite), cloud.IsDense);

        var colorized = RosMessage.Deserialize<Image>(o.Colorized.WrittenMemory.ToArray());
        Assert.Equal(("rgb8", 1242u * 3), (colorized.Encoding, colorized.Step));

        var meta = RosMessage.Deserialize<DepthMetadata>(o.Metadata.WrittenMemory.ToArray());
        Assert.Equal(("fastdepth_7", "ground_plane"), (meta.Model, meta.MetricSource));
        // The scale the metadata reports is the one the depth was made with: against the same frame through a pipeline
        // that publishes the network's own metres (metric_source model), every pixel is that multiple of it.
        using var plain = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model });
        Assert.True(plain.ProcessImage(payload, StreetScene.CameraInfoAt(3)));
        var networkMetres = MemoryMarshal.Cast<byte, float>(RosMessage.Deserialize<Image>(plain.Outputs.Depth.WrittenMemory.ToArray()).Data.Span).ToArray();
        Assert.True(meta.Scale > 0);
        Assert.Equal(0f, meta.Shift);
        var m = metres.ToArray();
        for (var i = 0; i < m.Length; i += 37) Assert.Equal(meta.Scale * networkMetres[i], m[i], m[i] * 1e-5f);
        Assert.Equal(1, pipeline.Diagnostics.Processed);
    }

    [Fact]
    public void GroundPlane_OnTheStreet_RecoversTheRoadDistance()
    {
        // The scene's road is exactly 1.65 m below the camera; after the fit, road pixels must come out near their
        // true depth whatever scale the indoor network had.
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, truth) = PipelineFixture.StreetFrame(0);
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
        var metres = MemoryMarshal.Cast<byte, float>(RosMessage.Deserialize<Image>(pipeline.Outputs.Depth.WrittenMemory.ToArray()).Data.Span).ToArray();
        var road = Enumerable.Range(300, 60).SelectMany(v => Enumerable.Range(500, 240).Select(u => v * 1242 + u)).ToArray();
        var ratio = road.Select(i => metres[i] / truth[i]).Order().ToArray()[road.Length / 2];
        // Measured 1.050: the indoor network's road is not quite a plane, so the robust fit lands 5 % off.
        Assert.True(Math.Abs(ratio - 1) < 0.07, $"road depth / true depth = {ratio}");
    }

    [Fact]
    public void CloudRgb_CarriesTheInputColorOfEachPixel()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.GroundPlane, CloudRgb = true });
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
        var cloud = RosMessage.Deserialize<PointCloud2>(pipeline.Outputs.Cloud.WrittenMemory.ToArray());
        Assert.Equal(32u, cloud.PointStep);
        var rgbField = Assert.Single(cloud.Fields, f => f.Name == "rgb");
        var input = RosMessage.Deserialize<Image>(payload);
        foreach (var (u, v) in new[] { (100, 50), (621, 300), (1200, 370) })
        {
            var px = input.Data.Span.Slice(v * 1242 * 3 + u * 3, 3);
            var packed = cloud.Data.Span.Slice((v * 1242 + u) * 32 + (int)rgbField.Offset, 4);
            // PCL packs 0x00RRGGBB little-endian: blue at the lowest address.
            Assert.Equal((px[0], px[1], px[2]), (packed[2], packed[1], packed[0]));
        }
    }

    [Fact]
    public void SixteenBitOutput_IsMillimetresOfTheSameDepth()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var p32 = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model });
        using var p16 = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model, DepthEncoding = "16UC1" });
        var (payload, _) = PipelineFixture.StreetFrame(1);
        Assert.True(p32.ProcessImage(payload, StreetScene.CameraInfoAt(1)));
        Assert.True(p16.ProcessImage(payload, StreetScene.CameraInfoAt(1)));
        var m = MemoryMarshal.Cast<byte, float>(RosMessage.Deserialize<Image>(p32.Outputs.Depth.WrittenMemory.ToArray()).Data.Span).ToArray();
        var mmImage = RosMessage.Deserialize<Image>(p16.Outputs.Depth.WrittenMemory.ToArray());
        Assert.Equal(("16UC1", 1242u * 2), (mmImage.Encoding, mmImage.Step));
        var mm = MemoryMarshal.Cast<byte, ushort>(mmImage.Data.Span).ToArray();
        for (var i = 0; i < m.Length; i += 997)
            Assert.Equal(float.IsFinite(m[i]) ? Math.Round(m[i] * 1000) : 0, mm[i], 1.0);
    }

    [Theory]
    [InlineData("bgr9", 1242, 1242 * 3, "encoding")]
    [InlineData("rgb8", 1242, 1000, "step")]
    [InlineData("rgb8", 0, 0, "width")]
    public void BadImage_IsDroppedCountedLoggedAndTheNextFrameWorks(string encoding, int width, int step, string field)
    {
        using var model = PipelineFixture.OpenFastDepth();
        var log = new List<string>();
        using var pipeline = PipelineFixture.Pipeline(model, log: log);
        var bad = PipelineFixture.Serialize(new Image(StreetScene.HeaderAt(0), 375, (uint)width, encoding, 0, (uint)step, new byte[Math.Max(0, step * 375)]));
        Assert.False(pipeline.ProcessImage(bad, StreetScene.CameraInfoAt(0)));
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.BadImage));
        Assert.Contains(field, pipeline.Diagnostics.LastError(FrameDropReason.BadImage));
        Assert.Single(log, l => l.Contains("bad_image") && l.Contains(field));

        var (good, _) = PipelineFixture.StreetFrame(0);
        Assert.True(pipeline.ProcessImage(good, StreetScene.CameraInfoAt(0)));
        Assert.Equal(1, pipeline.Diagnostics.Processed);
    }

    [Fact]
    public void TruncatedMessage_IsDroppedNamingTheField()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.False(pipeline.ProcessImage(payload.AsSpan(0, payload.Length / 2), StreetScene.CameraInfoAt(0)));
        Assert.Contains("sensor_msgs/Image.data", pipeline.Diagnostics.LastError(FrameDropReason.BadImage));
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
    }

    [Theory]
    [InlineData(new string[0], "/lidar/depth")]
    [InlineData(new[] { "-r", "__ns:=/front" }, "/front/lidar/depth")]
    [InlineData(new[] { "-r", "lidar/depth:=/velodyne/depth_image" }, "/velodyne/depth_image")]
    public void SparseDepthMissing_DropNamesTheTopicAsTheNodeResolvedIt(string[] rosArgs, string resolved)
    {
        using var model = PipelineFixture.OpenFastDepth();
        var node = NodeConfiguration.FromArguments(["--ros-args", "-p", "metric_source:=sparse_depth", .. rosArgs]);
        using var pipeline = new DepthPipeline(node, model, new NodeDiagnostics("depth_node", new StageTimings()), new PipelineFixture.ListSink([]));
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.False(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
        Assert.Equal($"sparse_depth: no sparse depth received on {resolved}", pipeline.Diagnostics.LastError(FrameDropReason.MetricFitFailed));
    }

    [Fact]
    public void SparseDepthMissing_OptionsOnly_NamesTheRootNamespaceTopic()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.SparseDepth });
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.False(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
        Assert.Equal("sparse_depth: no sparse depth received on /lidar/depth", pipeline.Diagnostics.LastError(FrameDropReason.MetricFitFailed));
    }

    [Fact]
    public void MissingCameraInfo_IsDroppedAndTheNextFrameWorks()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.False(pipeline.ProcessImage(payload, null));
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.NoCameraInfo));
        var uncalibrated = StreetScene.CameraInfoAt(0) with { K = new double[9], P = new double[12] };
        Assert.False(pipeline.ProcessImage(payload, uncalibrated));  // all zeros: uncalibrated, no metric cloud possible
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.NoCameraInfo));
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.BadCameraInfo));
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
    }

    [Theory]
    [InlineData(Camera.IntrinsicsSource.Projection, 700.0)]
    [InlineData(Camera.IntrinsicsSource.Calibration, StreetScene.Focal)]
    public void Intrinsics_ChooseWhichMatrixProjectsTheCloud(Camera.IntrinsicsSource source, double expectedFx)
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.GroundPlane, Intrinsics = source });
        var (payload, _) = PipelineFixture.StreetFrame(0);
        var info = StreetScene.CameraInfoAt(0);
        var p = (double[])info.P.Clone();
        p[0] = 700.0; // a rectified camera whose new focal length differs from the raw K
        Assert.True(pipeline.ProcessImage(payload, info with { P = p }));
        var cloud = RosMessage.Deserialize<PointCloud2>(pipeline.Outputs.Cloud.WrittenMemory.ToArray());
        var (u, v) = (100, 340);
        var point = MemoryMarshal.Cast<byte, float>(cloud.Data.Span.Slice((v * 1242 + u) * 16, 12));
        Assert.Equal((u - StreetScene.PrincipalX) / expectedFx * point[2], point[0], 1e-3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OutputScale_PublishesSmallerDepthCloudAndMatchingCameraInfo(bool rgb)
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var full = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model, CloudRgb = rgb });
        using var half = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model, CloudRgb = rgb, OutputScale = 0.5 });
        var (payload, _) = PipelineFixture.StreetFrame(2);
        Assert.True(full.ProcessImage(payload, StreetScene.CameraInfoAt(2)));
        Assert.True(half.ProcessImage(payload, StreetScene.CameraInfoAt(2)));

        var depth = RosMessage.Deserialize<Image>(half.Outputs.Depth.WrittenMemory.ToArray());
        Assert.Equal((621u, 188u), (depth.Width, depth.Height));             // 1242x375 halved, rounded
        var info = RosMessage.Deserialize<CameraInfo>(half.Outputs.CameraInfo.WrittenMemory.ToArray());
        Assert.Equal((621u, 188u), (info.Width, info.Height));
        // Pixel centres map as c' = (c + 0.5)·s − 0.5 (ros2-depth-node-anchors §3.3), focal lengths scale by s.
        Assert.Equal(StreetScene.Focal * 621 / 1242, info.K[0], 1e-9);
        Assert.Equal((StreetScene.PrincipalX + 0.5) * 621 / 1242 - 0.5, info.K[2], 1e-9);
        Assert.Equal((StreetScene.PrincipalY + 0.5) * 188 / 375 - 0.5, info.K[5], 1e-9);

        var cloud = RosMessage.Deserialize<PointCloud2>(half.Outputs.Cloud.WrittenMemory.ToArray());
        Assert.Equal((621u, 188u), (cloud.Width, cloud.Height));
        // A point of the half-size cloud projects back through the half-size CameraInfo onto its own pixel.
        var (u, v) = (400, 170);
        var step = (int)cloud.PointStep;
        var p = MemoryMarshal.Cast<byte, float>(cloud.Data.Span.Slice((v * 621 + u) * step, 12));
        Assert.Equal(u, info.K[0] * p[0] / p[2] + info.K[2], 1e-2);
        Assert.Equal(v, info.K[4] * p[1] / p[2] + info.K[5], 1e-2);
        // The same scene at half resolution: depth agrees with the full-resolution output at the same place.
        var fullDepth = MemoryMarshal.Cast<byte, float>(RosMessage.Deserialize<Image>(full.Outputs.Depth.WrittenMemory.ToArray()).Data.Span);
        Assert.Equal(fullDepth[(2 * v) * 1242 + 2 * u], p[2], fullDepth[(2 * v) * 1242 + 2 * u] * 0.05);
    }

    [Fact]
    public void CameraInfoForTheSensorWithBinning_IsRescaledOnBothAxesToTheImage()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(0);
        var full = StreetScene.CameraInfoAt(0);
        // The sensor is 2484x750 and the driver bins 2x2 into the 1242x375 image: binning explains the size.
        // image_geometry divides the sensor's K and P by the binning, so these are the street camera's own intrinsics.
        var (fx, fy, cx, cy) = (StreetScene.Focal * 2, StreetScene.Focal * 2, StreetScene.PrincipalX * 2, StreetScene.PrincipalY * 2);
        var sensor = full with
        {
            Width = 2484, Height = 750, BinningX = 2, BinningY = 2,
            K = [fx, 0, cx, 0, fy, cy, 0, 0, 1],
            P = [fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0],
        };
        Assert.True(pipeline.ProcessImage(payload, sensor));
        var info = RosMessage.Deserialize<CameraInfo>(pipeline.Outputs.CameraInfo.WrittenMemory.ToArray());
        Assert.Equal((1242u, 375u, 0u, 0u), (info.Width, info.Height, info.BinningX, info.BinningY));
        Assert.Equal(StreetScene.Focal, info.K[0], 1e-9);
        Assert.Equal(StreetScene.Focal, info.K[4], 1e-9);
        Assert.Equal(StreetScene.PrincipalX, info.K[2], 1e-9);
        Assert.Equal(StreetScene.PrincipalY, info.K[5], 1e-9);
        Assert.Equal(StreetScene.Focal, info.P[0], 1e-9);
        Assert.Equal(StreetScene.PrincipalY, info.P[6], 1e-9);
    }

    [Fact]
    public void CameraInfoForAnotherSizeWithoutBinning_DroppedAndCountedNothingPublished()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(0);
        // The same intrinsics claimed for a 1280x720 image: nothing says how it relates to the 1242x375 one.
        var other = StreetScene.CameraInfoAt(0) with { Width = 1280, Height = 720 };
        Assert.False(pipeline.ProcessImage(payload, other));
        Assert.False(pipeline.Outputs.HasCameraInfo || pipeline.Outputs.HasDepth);
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.CameraInfoSizeMismatch));
        Assert.Equal("camera_info is for 1280x720 (binning 0x0, roi 0x0), the image is 1242x375",
            pipeline.Diagnostics.LastError(FrameDropReason.CameraInfoSizeMismatch));
        // The next frame with a matching CameraInfo is processed normally.
        Assert.True(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
    }

    [Fact]
    public void CameraInfoWithZeroP_DroppedAsBadCameraInfoNotRepublished()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model);
        var (payload, _) = PipelineFixture.StreetFrame(0);
        var unset = StreetScene.CameraInfoAt(0) with { P = new double[12] };
        Assert.False(pipeline.ProcessImage(payload, unset));
        Assert.False(pipeline.Outputs.HasCameraInfo);
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.BadCameraInfo));
        Assert.StartsWith("camera_info: P is all zeros", pipeline.Diagnostics.LastError(FrameDropReason.BadCameraInfo));
    }

    [Fact]
    public void RelativeModelWithMetricSourceModel_IsRefusedAtStart()
    {
        using var model = PipelineFixture.OpenFastDepth();
        var relative = new RelativeCardModel(model);
        var e = Assert.Throws<InvalidDataException>(() => PipelineFixture.Pipeline(relative, new DepthNodeOptions { MetricSource = MetricSource.Model }));
        Assert.Contains("metric_source 'model'", e.Message);
    }

    [Fact]
    public void StubModelNaN_OutputWithoutAnyFiniteValue_IsDroppedAsModelFailed()
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(new NaNOutputModel(model));
        var (payload, _) = PipelineFixture.StreetFrame(0);
        Assert.False(pipeline.ProcessImage(payload, StreetScene.CameraInfoAt(0)));
        Assert.Equal(1, pipeline.Diagnostics.Dropped(FrameDropReason.ModelFailed));
    }

    [Theory]
    [InlineData(MetricSource.GroundPlane)]
    [InlineData(MetricSource.Model)]
    public void SteadyState_RawFrame_AllocatesNothing(MetricSource source)
    {
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = source });
        var (payload, _) = PipelineFixture.StreetFrame(2);
        var info = StreetScene.CameraInfoAt(2);
        for (var i = 0; i < 3; i++) Assert.True(pipeline.ProcessImage(payload, info));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 5; i++) pipeline.ProcessImage(payload, info);
        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
        Assert.Equal(0, perFrame);
    }

    /// <summary>FastDepth behind a card that claims relative disparity: exercises the start-up check.</summary>
    private sealed class RelativeCardModel(IDepthModel inner) : IDepthModel
    {
        public ModelCard Card { get; } = inner.Card with { Output = inner.Card.Output with { Kind = DepthOutputKind.RelativeDisparity } };
        public string Provider => inner.Provider;
        public TensorSize InputSizeFor(int w, int h) => inner.InputSizeFor(w, h);
        public Span<float> GetInputBuffer(TensorSize s) => inner.GetInputBuffer(s);
        public DepthOutputView Run() => inner.Run();
        public void Dispose() { }
    }

    /// <summary>A network whose output is all NaN (a broken export or FP16 overflow); a real one cannot be made to do this on demand.</summary>
    private sealed class NaNOutputModel(IDepthModel inner) : IDepthModel
    {
        private readonly float[] _nan = Enumerable.Repeat(float.NaN, 224 * 224).ToArray();
        public ModelCard Card => inner.Card;
        public string Provider => inner.Provider;
        public TensorSize InputSizeFor(int w, int h) => inner.InputSizeFor(w, h);
        public Span<float> GetInputBuffer(TensorSize s) => inner.GetInputBuffer(s);
        public DepthOutputView Run() => new(_nan, 224, 224);
        public void Dispose() { }
    }
}
