using DepthNode.Bags;
using DepthNode.NodeLogic;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.NodeLogic;

/// <summary>Input topics chosen against a real bag's topic list (rosbag2.js sample: /image Image, /image/compressed
/// CompressedImage, /imu Imu, /fix, /text; no CameraInfo).</summary>
public class BagInputTopicsTests
{
    private sealed class ListLog : ILogSink
    {
        public List<string> Lines { get; } = [];
        public void Write(LogLevel level, string message) => Lines.Add($"{level}: {message}");
    }

    private static BagInfo Sample()
    {
        using var bag = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3"));
        return bag.Info;
    }

    private static readonly DepthNodeOptions Defaults = new();

    [Fact]
    public void Choose_NamedImageTopicMissing_RefusedListingTheImageTopics()
    {
        var e = Assert.Throws<BagFormatException>(() => BagInputTopics.Choose(Sample(), Defaults, new ListLog(), new(Image: "/nope")));
        Assert.Equal("image topic /nope is not in the bag; the bag's image topics: /image (sensor_msgs/msg/Image), " +
            "/image/compressed (sensor_msgs/msg/CompressedImage)", e.Message);
    }

    [Theory]
    [InlineData("/image", false)]
    [InlineData("/image/compressed", true)]
    public void Choose_NamedImageTopic_DecodedByItsType(string topic, bool compressed)
    {
        var t = BagInputTopics.Choose(Sample(), Defaults, new ListLog(), new(Image: topic));
        Assert.Equal((topic, compressed), (t.Image, t.Compressed));
    }

    [Fact]
    public void Choose_ConfiguredImageTopicIsCompressed_DecodedAsCompressed()
    {
        // A params file that names the compressed topic as image_topic: the type decides, not the option's name.
        var t = BagInputTopics.Choose(Sample(), Defaults with { ImageTopic = "/image/compressed" }, new ListLog());
        Assert.True(t.Compressed);
    }

    [Fact]
    public void Choose_CompressedImageTopicNamingARawTopic_Refused()
    {
        var e = Assert.Throws<BagFormatException>(() => BagInputTopics.Choose(Sample(), Defaults, new ListLog(), new(CompressedImage: "/image")));
        Assert.Equal("compressed image topic /image is sensor_msgs/msg/Image, not sensor_msgs/msg/CompressedImage; name it as the image topic instead", e.Message);
    }

    [Theory]
    [InlineData("/imu", null, "image topic /imu is sensor_msgs/msg/Imu, not sensor_msgs/msg/Image or sensor_msgs/msg/CompressedImage")]
    [InlineData(null, "/imu", "camera_info topic /imu is sensor_msgs/msg/Imu, not sensor_msgs/msg/CameraInfo")]
    [InlineData(null, "/nope", "camera_info topic /nope is not in the bag; the bag has no CameraInfo topic")]
    public void Choose_WrongTypeOrMissing_RefusedByTypeName(string? image, string? cameraInfo, string expected)
    {
        var e = Assert.Throws<BagFormatException>(() =>
            BagInputTopics.Choose(Sample(), Defaults, new ListLog(), new(Image: image ?? "/image", CameraInfo: cameraInfo)));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Choose_NothingNamedAndDefaultsAbsent_FallsBackToTheOnlyRawImageAndSaysSo()
    {
        var log = new ListLog();
        var t = BagInputTopics.Choose(Sample(), Defaults, log);
        Assert.Equal(("/image", false), (t.Image, t.Compressed));
        Assert.Contains("Info: image topic /camera/image_raw not in the bag; using /image", log.Lines);
        Assert.Contains(log.Lines, l => l.StartsWith("Warn: the bag has no camera_info topic for /image", StringComparison.Ordinal));
    }
}
