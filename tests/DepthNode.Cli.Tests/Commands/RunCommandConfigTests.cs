using DepthNode.Bags;

namespace DepthNode.Cli.Tests.Commands;

/// <summary><c>run --config</c> reads the params file exactly as the node's <c>--params-file</c> does.</summary>
public class RunCommandConfigTests
{
    private static string Write(string yaml)
    {
        var dir = Path.Combine(Path.GetTempPath(), "depthnode-runconfig-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "params.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [InlineData("depth_node:\n  ros__parameters:\n    queue_size: [1\n    sync_mode: exact\n", ":3:", "not valid YAML")]
    [InlineData("depth_node:\n  ros__parameters:\n    queue_size: two\n", ":3:17:", "parameter queue_size = 'two' is a string, must be an integer in [1, 64]")]
    [InlineData("camera_driver:\n  ros__parameters:\n    exposure: 3\n", ": no section for this node (/depth_node)", "the file has 'camera_driver'")]
    public void Run_BadParamsFile_OneLineNamingFileAndPositionAndNoOutput(string yaml, string where, string what)
    {
        var config = Write(yaml);
        var output = Path.Combine(Path.GetDirectoryName(config)!, "out");
        var (code, stdout, stderr) = CliRunner.Run("run", "--config", config, "--out", output, "--frames", "2");
        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"depthnode run: {config}{where}", line);
        Assert.Contains(what, line);
        Assert.DoesNotContain("   at ", stderr + stdout);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Run_ParamsFileWithWildcardSection_OutputsUnderItsNamespace()
    {
        var config = Write("/**:\n  ros__parameters:\n    output_namespace: front/depth\n    publish_colorized: false\n    metric_source: ground_plane\n    camera_height_m: 1.65\n");
        var output = Path.Combine(Path.GetDirectoryName(config)!, "out");
        var (code, stdout, stderr) = CliRunner.Run("run", "--config", config, "--out", output, "--frames", "2", "--previews", "0");
        Assert.True(code == 0, stdout + stderr);
        using var bag = BagReader.Open(output);
        Assert.Equal(["/diagnostics", "/front/depth/camera_info", "/front/depth/image", "/front/depth/metadata", "/front/depth/points"],
            bag.Info.Topics.Select(t => t.Topic.Name).Order());
    }
}
