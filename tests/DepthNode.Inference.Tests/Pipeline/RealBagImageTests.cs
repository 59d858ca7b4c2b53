using DepthNode.Bags;
using DepthNode.Camera;
using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Tests;

namespace DepthNode.Inference.Tests.Pipeline;

/// <summary>Images recorded by other projects' tools, through the whole pipeline.</summary>
public class RealBagImageTests
{
    private static CameraInfo Pinhole(uint width, uint height, double f) =>
        new CameraModel((int)width, (int)height, f, f, (width - 1) / 2.0, (height - 1) / 2.0).ToCameraInfo(Header.Empty);

    [Theory]
    [InlineData("/image", false)]
    [InlineData("/image/compressed", true)]
    public void Rosbag2jsSample_Bgr8AndJpeg_GiveDepthAtTheImageSize(string topic, bool compressed)
    {
        using var bag = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3"));
        var payload = bag.ReadMessages(new BagReadOptions { Topics = [topic] }).Single().Data.ToArray();
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model });
        var info = Pinhole(640, 480, 525);
        Assert.True(compressed ? pipeline.ProcessCompressedImage(payload, info) : pipeline.ProcessImage(payload, info),
            pipeline.Diagnostics.LastError(FrameDropReason.BadImage) ?? pipeline.Diagnostics.LastError(FrameDropReason.DecodeFailed));
        var depth = RosMessage.Deserialize<Image>(pipeline.Outputs.Depth.WrittenMemory.ToArray());
        Assert.Equal((640u, 480u, "32FC1"), (depth.Width, depth.Height, depth.Encoding));
        Assert.Equal("", depth.Header.FrameId); // the recording's own (empty) frame, kept as it is
    }

    [Fact]
    public void Ros2bagToolsImages_Tiny2x2Mono8_WithGarbagePadding_AreProcessed()
    {
        using var bag = BagReader.Open(SharedData.Path("bags", "ros2bag_tools", "images.bag"));
        var payloads = bag.ReadMessages().Select(m => m.Data.ToArray()).ToList();
        Assert.Equal(3, payloads.Count);
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.Model });
        foreach (var p in payloads) Assert.True(pipeline.ProcessImage(p, Pinhole(2, 2, 2)));
        var cloud = RosMessage.Deserialize<PointCloud2>(pipeline.Outputs.Cloud.WrittenMemory.ToArray());
        Assert.Equal((2u, 2u), (cloud.Width, cloud.Height));
        Assert.Equal("camera_optical_frame", cloud.Header.FrameId);
    }
}
