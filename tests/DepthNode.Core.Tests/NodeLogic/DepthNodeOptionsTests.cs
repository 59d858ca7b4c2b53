using System.Reflection;
using DepthNode.Depth;
using DepthNode.NodeLogic;
using DepthNode.Parameters;
using DepthNode.Tests;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Core.Tests.NodeLogic;

public class DepthNodeOptionsTests
{
    private static string ConfigPath => Path.Combine(SharedData.RepoRoot(), "config", "depth_node.yaml");

    internal static string Write(string body, string section = "depth_node")
    {
        var path = Path.Combine(Path.GetTempPath(), $"depthnode-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, section + ":\n  ros__parameters:\n" + string.Join("\n", body.Split('\n').Select(l => "    " + l)) + "\n");
        return path;
    }

    [Fact]
    public void Load_ShippedConfig_EqualsBuiltInDefaults()
    {
        // config/depth_node.yaml documents the defaults; the file and the code must not drift apart.
        var loaded = DepthNodeOptions.Load(ConfigPath);
        var defaults = new DepthNodeOptions();
        Assert.Equal(defaults with { ExecutionProviders = loaded.ExecutionProviders }, loaded);
        Assert.Equal(defaults.ExecutionProviders, loaded.ExecutionProviders);
    }

    [Fact]
    public void ShippedConfig_ListsExactlyTheDeclaredParametersInOrder()
    {
        // Read with plain YamlDotNet, not our params-file reader.
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(ConfigPath)));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var parameters = (YamlMappingNode)((YamlMappingNode)root.Children[new YamlScalarNode("depth_node")]).Children[new YamlScalarNode("ros__parameters")];
        var keys = parameters.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToArray();
        Assert.Equal(DepthNodeOptions.Table.Declarations.Select(d => d.Name), keys);
    }

    [Fact]
    public void Table_EveryOptionProperty_IsADeclaredParameter()
    {
        // A property added to the options but neither declared nor in the YAML would otherwise go unnoticed.
        var settable = typeof(DepthNodeOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.NotEmpty(settable);
        Assert.All(settable, p => Assert.NotNull(p.GetCustomAttribute<ParameterAttribute>()));
        Assert.Equal(settable.Length, DepthNodeOptions.Table.Declarations.Count);
    }

    [Fact]
    public void Table_NamesAreTheSnakeCaseOfTheProperties()
    {
        var names = DepthNodeOptions.Table.Declarations.Select(d => d.Name).ToHashSet();
        foreach (var expected in new[] { "queue_size", "sync_slop_ms", "camera_height_m", "tensorrt_fp16", "input_qos_reliability", "intra_op_threads" })
            Assert.Contains(expected, names);
        Assert.DoesNotContain("tensor_rt_fp16", names);
    }

    [Fact]
    public void Readme_ParameterTable_IsTheGeneratedOne()
    {
        var readme = File.ReadAllText(Path.Combine(SharedData.RepoRoot(), "README.md"));
        var table = DepthNodeOptions.Table.ToMarkdown();
        Assert.True(readme.Contains(table, StringComparison.Ordinal), "README.md's parameter table is out of date; replace it with:\n" + table);
    }

    [Fact]
    public void Load_SnakeCaseEnumsAndNumbers_AreParsed()
    {
        var o = DepthNodeOptions.Load(Write("sync_mode: approximate\nmetric_source: ground_plane\ncamera_height_m: 1.2\nqueue_size: 3\ncloud_rgb: true\nintrinsics: calibration\nsync_slop_ms: 15"));
        Assert.Equal(DepthNode.Camera.IntrinsicsSource.Calibration, o.Intrinsics);
        Assert.Equal(CameraInfoSyncMode.Approximate, o.SyncMode);
        Assert.Equal(MetricSource.GroundPlane, o.MetricSource);
        Assert.Equal(1.2, o.CameraHeightM);
        Assert.Equal(3, o.QueueSize);
        Assert.Equal(15.0, o.SyncSlopMs); // an integer is accepted for a double
        Assert.True(o.CloudRgb);
    }

    [Fact]
    public void Load_UnknownKey_IsAnErrorNamingItAndTheNearestName()
    {
        var path = Write("queue_sise: 2");
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(path));
        Assert.Equal($"{path}:3:17: unknown parameter 'queue_sise' (did you mean 'queue_size'?)", Assert.Single(e.Lines));
    }

    [Fact]
    public void Load_BadEnum_ListsTheChoices()
    {
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(Write("sync_mode: latest")));
        Assert.EndsWith("parameter sync_mode = 'latest' must be one of exact, approximate, cache_latest", Assert.Single(e.Lines));
    }

    [Theory]
    [InlineData("queue_size: 0", "parameter queue_size = 0 must be an integer in [1, 64]")]
    [InlineData("intra_op_threads: -2", "parameter intra_op_threads = -2 must be an integer in [0, 256]")]
    [InlineData("depth_encoding: 8UC1", "parameter depth_encoding = '8UC1' must be one of 32FC1, 16UC1")]
    [InlineData("cloud_min_range_m: 5\ncloud_max_range_m: 1", "parameter cloud_max_range_m = 1 must be greater than cloud_min_range_m = 5")]
    [InlineData("execution_providers: [tensorrt, opencl]", "parameter execution_providers = [tensorrt, opencl] has 'opencl'; must be a list of tensorrt, cuda, cpu")]
    [InlineData("camera_height_m: abc", "parameter camera_height_m = 'abc' is a string, must be a double > 0.0")]
    [InlineData("publish_cloud: 1", "parameter publish_cloud = 1 is an integer, must be a bool")]
    [InlineData("queue_size: 1.5", "parameter queue_size = 1.5 is a double, must be an integer")]
    [InlineData("execution_providers: cpu", "parameter execution_providers = 'cpu' is a string, must be a list of tensorrt, cuda, cpu")]
    [InlineData("output_namespace: my depth", "parameter output_namespace = 'my depth' is not a valid ROS name (' ' is not allowed (letters, digits, '_' and '/'))")]
    [InlineData("frame_id: camera_link", "parameter frame_id = 'camera_link' is not an optical frame")]
    [InlineData("output_scale: 0", "parameter output_scale = 0 must be a double in (0.0, 1.0]")]
    public void Load_InvalidValue_IsOneLineNamingParameterValueAndWhatIsAllowed(string body, string expected)
    {
        var path = Write(body);
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(path));
        var line = Assert.Single(e.Lines);
        Assert.StartsWith(path + ":", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void Load_SeveralBadValues_OneLineEachWithItsPosition()
    {
        var path = Write("queue_size: -1\nframe_id: base_link\nintra_op_threads: -4\nmodel: ok.yaml");
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(path));
        Assert.Equal(3, e.Lines.Count);
        Assert.StartsWith($"{path}:3:17: parameter queue_size = -1 ", e.Lines.Single(l => l.Contains("queue_size")));
        Assert.StartsWith($"{path}:4:15: parameter frame_id = 'base_link' ", e.Lines.Single(l => l.Contains("frame_id")));
        Assert.StartsWith($"{path}:5:23: parameter intra_op_threads = -4 ", e.Lines.Single(l => l.Contains("intra_op_threads")));
    }

    [Theory]
    [InlineData("model: a.yaml\nqueue_size: [1\nsync_mode: exact", "4")]   // the case: YamlDotNet's scanner throws without a position
    [InlineData("model: a.yaml\nqueue_size: [1", "[45]")]                   // at the end of the file
    [InlineData("model: \"a.yaml\nqueue_size: 1", "[345]")]                // unclosed quote
    [InlineData("model: a.yaml\n  queue_size: 1", "4")]                     // bad indentation
    public void Load_BrokenYaml_IsOneLineWithFileAndLine(string body, string line)
    {
        var path = Write(body);
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(path));
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:{line}:[0-9]+: not valid YAML: .+", Assert.Single(e.Lines));
    }

    [Fact]
    public void Load_OnlyAnotherNodesSection_SaysWhichSectionsThereAre()
    {
        var path = Write("queue_size: 2", section: "camera_driver");
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load(path));
        Assert.StartsWith($"{path}: no section for this node (/depth_node); the file has 'camera_driver'", Assert.Single(e.Lines));
    }

    [Fact]
    public void Load_MissingFile_IsOneLine()
    {
        var e = Assert.Throws<ParameterException>(() => DepthNodeOptions.Load("/nonexistent/params.yaml"));
        Assert.StartsWith("params file /nonexistent/params.yaml: ", Assert.Single(e.Lines));
    }
}
