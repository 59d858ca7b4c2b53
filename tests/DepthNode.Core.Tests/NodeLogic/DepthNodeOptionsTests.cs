using DepthNode.Depth;
using DepthNode.NodeLogic;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.NodeLogic;

public class DepthNodeOptionsTests
{
    private static string Write(string body)
    {
        var path = Path.Combine(Path.GetTempPath(), $"depthnode-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "depth_node:\n  ros__parameters:\n" + string.Join("\n", body.Split('\n').Select(l => "    " + l)) + "\n");
        return path;
    }

    [Fact]
    public void Load_ShippedConfig_EqualsBuiltInDefaults()
    {
        // config/depth_node.yaml documents the defaults; the file and the code must not drift apart.
        var loaded = DepthNodeOptions.Load(Path.Combine(SharedData.RepoRoot(), "config", "depth_node.yaml"));
        var defaults = new DepthNodeOptions();
        Assert.Equal(defaults with { ExecutionProviders = loaded.ExecutionProviders }, loaded);
        Assert.Equal(defaults.ExecutionProviders, loaded.ExecutionProviders);
    }

    [Fact]
    public void Load_SnakeCaseEnumsAndNumbers_AreParsed()
    {
        var o = DepthNodeOptions.Load(Write("sync_mode: approximate\nmetric_source: ground_plane\ncamera_height_m: 1.2\nqueue_size: 3\ncloud_rgb: true\nintrinsics: calibration"));
        Assert.Equal(DepthNode.Camera.IntrinsicsSource.Calibration, o.Intrinsics);
        Assert.Equal(CameraInfoSyncMode.Approximate, o.SyncMode);
        Assert.Equal(MetricSource.GroundPlane, o.MetricSource);
        Assert.Equal(1.2, o.CameraHeightM);
        Assert.Equal(3, o.QueueSize);
        Assert.True(o.CloudRgb);
    }

    [Fact]
    public void Load_UnknownKey_IsAnErrorNamingIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => DepthNodeOptions.Load(Write("queue_sise: 2")));
        Assert.Contains("unknown parameter 'queue_sise'", e.Message);
    }

    [Fact]
    public void Load_BadEnum_ListsTheChoices()
    {
        var e = Assert.Throws<InvalidDataException>(() => DepthNodeOptions.Load(Write("sync_mode: latest")));
        Assert.Contains("exact, approximate, cache_latest", e.Message);
    }

    [Theory]
    [InlineData("queue_size: 0", "queue_size")]
    [InlineData("depth_encoding: 8UC1", "depth_encoding")]
    [InlineData("cloud_min_range_m: 5\ncloud_max_range_m: 1", "cloud range")]
    [InlineData("execution_providers: [tensorrt, opencl]", "opencl")]
    [InlineData("camera_height_m: abc", "camera_height_m")]
    public void Load_InvalidValue_IsRejected(string body, string mentioned)
    {
        var e = Assert.Throws<InvalidDataException>(() => DepthNodeOptions.Load(Write(body)));
        Assert.Contains(mentioned, e.Message);
    }

    [Fact]
    public void OutputTopics_LiveUnderTheNamespace()
    {
        var o = new DepthNodeOptions { OutputNamespace = "/front/depth/" };
        Assert.Equal(["/front/depth/image", "/front/depth/camera_info", "/front/depth/points", "/front/depth/colorized"],
            [o.DepthTopic, o.DepthCameraInfoTopic, o.CloudTopic, o.ColorizedTopic]);
    }
}
