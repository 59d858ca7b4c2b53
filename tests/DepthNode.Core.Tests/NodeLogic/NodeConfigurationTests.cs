using DepthNode.Depth;
using DepthNode.NodeLogic;
using DepthNode.Parameters;
using DepthNode.RosGraph;

namespace DepthNode.Core.Tests.NodeLogic;

public class NodeConfigurationTests
{
    private static string Write(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"depthnode-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static NodeConfiguration From(params string[] args) => NodeConfiguration.FromArguments(args);

    [Fact]
    public void FromArguments_NoRosArgs_DefaultTopicsInTheRootNamespaceWithRep2003Qos()
    {
        var c = From("--some-program-flag");
        Assert.Equal("/depth_node", c.FullName);
        Assert.Equal(
            [
                "subscribes /camera/image_raw (sensor_msgs/msg/Image; best_effort, volatile, keep_last 5)",
                "subscribes /camera/camera_info (sensor_msgs/msg/CameraInfo; best_effort, volatile, keep_last 5)",
                "publishes /depth/image (sensor_msgs/msg/Image; reliable, volatile, keep_last 5)",
                "publishes /depth/camera_info (sensor_msgs/msg/CameraInfo; reliable, volatile, keep_last 5)",
                "publishes /depth/points (sensor_msgs/msg/PointCloud2; reliable, volatile, keep_last 5)",
                "publishes /depth/colorized (sensor_msgs/msg/Image; reliable, volatile, keep_last 5)",
                "publishes /depth/metadata (depth_node/msg/DepthMetadata; reliable, volatile, keep_last 5)",
                "publishes /diagnostics (diagnostic_msgs/msg/DiagnosticArray; reliable, volatile, keep_last 5)",
            ], c.Topics.Select(t => t.ToString()));
    }

    [Fact]
    public void FromArguments_NamespaceAndNodeRemap_MoveRelativeAndPrivateNamesButNotAbsoluteOnes()
    {
        var c = From("--ros-args", "-r", "__ns:=/front", "-r", "__node:=mono", "-p", "output_namespace:=~/out",
            "-p", "camera_info_topic:=/calib/camera_info");
        Assert.Equal(("mono", "/front", "/front/mono"), (c.NodeName, c.Namespace, c.FullName));
        Assert.Equal("/front/camera/image_raw", c.NameOf(NodeTopic.Image));
        Assert.Equal("/calib/camera_info", c.NameOf(NodeTopic.CameraInfo));
        Assert.Equal("/front/mono/out/points", c.NameOf(NodeTopic.Cloud));
        Assert.Equal("/diagnostics", c.NameOf(NodeTopic.Diagnostics));
    }

    [Fact]
    public void FromArguments_TopicRemaps_AppliedAfterExpansionFirstRuleWins()
    {
        var c = From("--ros-args", "-r", "camera/image_raw:=/kitti/image_02", "-r", "/camera/image_raw:=/ignored",
            "-r", "other_node:depth/points:=/nope", "-r", "depth/points:=cloud");
        Assert.Equal("/kitti/image_02", c.NameOf(NodeTopic.Image));
        Assert.Equal("/cloud", c.NameOf(NodeTopic.Cloud));
    }

    [Fact]
    public void FromArguments_CompressedTransport_SubscribesTheCompressedTopic()
    {
        var c = From("--ros-args", "-p", "image_transport:=compressed");
        var image = c.Topic(NodeTopic.Image)!;
        Assert.Equal(("/camera/image_raw/compressed", "sensor_msgs/msg/CompressedImage"), (image.Name, image.MessageType));
    }

    [Fact]
    public void FromArguments_DisabledOutputsAndSparseDepth_InTopicsOnlyWhenUsed()
    {
        var c = From("--ros-args", "-p", "publish_cloud:=false", "-p", "metric_source:=sparse_depth");
        Assert.Null(c.Topic(NodeTopic.Cloud));
        Assert.Equal("/lidar/depth", c.NameOf(NodeTopic.SparseDepth));
        Assert.Null(From().Topic(NodeTopic.SparseDepth));
    }

    [Fact]
    public void FromArguments_Precedence_LaterFileWinsAndDashPWinsOverFilesWhateverTheOrder()
    {
        var first = Write("/**:\n  ros__parameters:\n    queue_size: 2\n    cloud_stride: 2\n    camera_height_m: 1.2\n");
        var second = Write("depth_node:\n  ros__parameters:\n    queue_size: 3\n");
        var c = From("--ros-args", "-p", "cloud_stride:=4", "--params-file", first, "--params-file", second, "--", "--ros-args", "-p", "camera_height_m:=2.0");
        Assert.Equal((3, 4, 2.0), (c.Options.QueueSize, c.Options.CloudStride, c.Options.CameraHeightM));
    }

    [Fact]
    public void FromArguments_SectionsInOneFile_AppliedInFileOrder()
    {
        var path = Write("/**:\n  ros__parameters:\n    queue_size: 2\ndepth_node:\n  ros__parameters:\n    queue_size: 3\n/*:\n  ros__parameters:\n    cloud_stride: 5\n");
        var c = From("--ros-args", "--params-file", path);
        Assert.Equal((3, 5), (c.Options.QueueSize, c.Options.CloudStride));
    }

    [Theory]
    [InlineData("/front/depth_node", true)]
    [InlineData("/**/depth_node", true)]
    [InlineData("/front/*", true)]
    [InlineData("/*", false)]
    [InlineData("depth_node", false)] // rcl: a key without a namespace is the node in the root namespace
    [InlineData("/rear/depth_node", false)]
    public void FromArguments_SectionKeys_MatchTheNodeAsRclcppDoes(string key, bool applies)
    {
        var path = Write($"{key}:\n  ros__parameters:\n    queue_size: 7\n");
        var args = new[] { "--ros-args", "-r", "__ns:=/front", "--params-file", path };
        if (applies) Assert.Equal(7, From(args).Options.QueueSize);
        else Assert.Contains("no section for this node (/front/depth_node)", Assert.Throws<ParameterException>(() => From(args)).Message);
    }

    [Fact]
    public void FromArguments_NestedNamespaceSections_AreFullNames()
    {
        var path = Write("front:\n  depth_node:\n    ros__parameters:\n      queue_size: 4\n");
        Assert.Equal(4, From("--ros-args", "-r", "__ns:=/front", "--params-file", path).Options.QueueSize);
    }

    [Fact]
    public void FromArguments_WrongTypesFromDashPAndFile_OneLineEach()
    {
        var path = Write("/**:\n  ros__parameters:\n    cloud_rgb: yes please\n");
        var e = Assert.Throws<ParameterException>(() => From("--ros-args", "--params-file", path, "-p", "queue_size:='2'", "-p", "camera_height_m:=-1.0"));
        Assert.Equal(3, e.Lines.Count);
        Assert.Contains($"{path}:3:16: parameter cloud_rgb = 'yes please' is a string, must be a bool", e.Lines);
        Assert.Contains("--ros-args -p queue_size:='2': parameter queue_size = '2' is a string, must be an integer in [1, 64]", e.Lines);
        Assert.Contains("--ros-args -p camera_height_m:=-1.0: parameter camera_height_m = -1.0 must be a double > 0.0", e.Lines);
    }

    [Fact]
    public void FromArguments_ListValue_FromDashP()
    {
        Assert.Equal(["cuda", "cpu"], From("--ros-args", "-p", "execution_providers:=[cuda, cpu]").Options.ExecutionProviders);
    }

    [Theory]
    [InlineData("__ns:=front depth", "namespace 'front depth' is not valid")]
    [InlineData("__ns:=/front depth", "namespace '/front depth' is not valid: ' ' is not allowed")]
    [InlineData("__node:=depth-node", "node name 'depth-node' '-' is not allowed")]
    public void FromArguments_BadNodeNameOrNamespace_IsOneLine(string rule, string expected)
    {
        var e = Assert.Throws<ParameterException>(() => From("--ros-args", "-r", rule));
        Assert.Contains(expected, Assert.Single(e.Lines));
    }

    [Fact]
    public void FromArguments_QosOverridesForOneTopic_ChangeOnlyThatTopic()
    {
        var path = Write("/**:\n  ros__parameters:\n    qos_overrides:\n      /camera/image_raw:\n        subscription:\n          reliability: reliable\n          depth: 1\n");
        var c = From("--ros-args", "--params-file", path, "-p", "output_qos_durability:=transient_local");
        Assert.Equal(new QosProfile(QosHistory.KeepLast, 1, QosReliability.Reliable, QosDurability.Volatile), c.Topic(NodeTopic.Image)!.Qos);
        Assert.Equal(new QosProfile(QosHistory.KeepLast, 5, QosReliability.BestEffort, QosDurability.Volatile), c.Topic(NodeTopic.CameraInfo)!.Qos);
        Assert.Equal(QosDurability.TransientLocal, c.Topic(NodeTopic.Cloud)!.Qos.Durability);
    }

    [Fact]
    public void FromArguments_QosOverrideForATopicTheNodeDoesNotHave_IsOneLine()
    {
        var e = Assert.Throws<ParameterException>(() => From("--ros-args", "-p", "qos_overrides./camera/image.subscription.depth:=3"));
        Assert.Contains("this node has no subscription on /camera/image; its topics are /camera/image_raw,", Assert.Single(e.Lines));
    }

    [Fact]
    public void FromArguments_LogLevel_NamedForThisNodeWinsOverUnnamed()
    {
        Assert.Equal(LogLevel.Debug, From("--ros-args", "--log-level", "depth_node:=debug", "--log-level", "warn").LogLevel);
        Assert.Equal(LogLevel.Warn, From("--ros-args", "--log-level", "WARN").LogLevel);
        Assert.Equal(LogLevel.Info, From().LogLevel);
    }

    [Theory]
    [InlineData(new[] { "--ros-args", "--frobnicate" }, "unknown ROS argument '--frobnicate'")]
    [InlineData(new[] { "--ros-args", "-p" }, "--ros-args -p: a value must follow")]
    [InlineData(new[] { "--ros-args", "-p", "queue_size=2" }, "expected name:=value")]
    [InlineData(new[] { "--ros-args", "--log-level", "loud" }, "'loud' is not a level")]
    [InlineData(new[] { "--ros-args", "-r", "image" }, "expected [node:]from:=to")]
    public void FromArguments_MalformedRosArguments_AreOneLine(string[] args, string expected)
    {
        Assert.Contains(expected, Assert.Single(Assert.Throws<ParameterException>(() => From(args)).Lines));
    }

    [Fact]
    public void FromArguments_ArgumentsOutsideRosSections_AreLeftForTheProgram()
    {
        var a = RosArguments.Parse(["--model", "x", "--ros-args", "-p", "queue_size:=2", "--", "--verbose"]);
        Assert.Equal(["--model", "x", "--verbose"], a.ProgramArguments);
        Assert.Equal("queue_size", Assert.Single(a.Parameters).Name);
    }

    [Fact]
    public void ForOptions_InvalidOptionsInCode_AreRefusedWithOneLineEach()
    {
        var e = Assert.Throws<ParameterException>(() => NodeConfiguration.ForOptions(new DepthNodeOptions { QueueSize = 0, MetricSource = MetricSource.Fixed, FixedScale = 0 }));
        Assert.Equal(2, e.Lines.Count);
        Assert.StartsWith("default: parameter queue_size = 0 ", e.Lines[0]);
    }
}
