using System.Text.Json;
using DepthNode.Bags;
using DepthNode.Messages;
using DepthNode.Synthetic;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Cli.Tests.Commands;

public class RunCommandTests
{
    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "depthnode-run-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void Run_BuiltInStreet_RecordsEveryOutputWithInputStampsAndWritesPreviews()
    {
        var dir = TempDir();
        var output = Path.Combine(dir, "street-depth");
        var (code, stdout, stderr) = CliRunner.Run("run", "--out", output, "--frames", "5", "--previews", "2");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("5 of 5 frames processed, 0 dropped", stdout);
        Assert.Contains("accuracy against the scene's exact depth", stdout);

        using var bag = BagReader.Open(output);
        var counts = bag.Info.Topics.ToDictionary(t => t.Topic.Name, t => t.MessageCount);
        foreach (var topic in new[] { "/depth/image", "/depth/camera_info", "/depth/points", "/depth/colorized", "/depth/metadata" })
            Assert.Equal(5, counts[topic]);
        Assert.True(counts["/diagnostics"] >= 1);
        var stamps = bag.ReadMessages(new BagReadOptions { Topics = ["/depth/image"] })
            .Select(m => RosMessage.Deserialize<Image>(m.Data.ToArray()).Header).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(StreetScene.HeaderAt), stamps);

        var previews = Directory.GetFiles(output + "-previews", "*.png").Order().ToArray();
        Assert.Equal(2, previews.Length);
        using var panel = Cv2.ImRead(previews[0]);
        Assert.Equal((1242, 750), (panel.Width, panel.Height)); // input above its colourised depth
    }

    [Fact]
    public void Run_KittiOdometryRecordedWithKitti2Bag_GivesDepthForEveryFrame()
    {
        var dir = TempDir();
        var input = Path.Combine(dir, "kitti07");
        var (code, stdout, stderr) = CliRunner.Run("kitti2bag", SharedData.Path("data", "kitti", "odometry_07"), input);
        Assert.True(code == 0, stdout + stderr);
        var output = Path.Combine(dir, "kitti07-depth");
        (code, stdout, stderr) = CliRunner.Run("run", "--bag", input, "--out", output, "--limit", "8", "--metric-source", "ground_plane", "--previews", "1");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("8 of 8 frames processed", stdout);
        using var bag = BagReader.Open(output);
        var depth = bag.ReadMessages(new BagReadOptions { Topics = ["/depth/image"] }).Select(m => RosMessage.Deserialize<Image>(m.Data.ToArray())).ToList();
        Assert.Equal(8, depth.Count);
        Assert.All(depth, d => Assert.Equal((1226u, 370u, "32FC1"), (d.Width, d.Height, d.Encoding)));
        var info = bag.ReadMessages(new BagReadOptions { Topics = ["/depth/camera_info"] }).Select(m => RosMessage.Deserialize<CameraInfo>(m.Data.ToArray())).First();
        Assert.Equal(707.0912, info.P[0], 1e-4); // KITTI odometry 07 calib.txt P0
    }

    [Fact]
    public void Run_KittiBagByDefault_WritesABagHumbleReads_AndWarmsTheModelUpAtTheCameraSize()
    {
        var dir = TempDir();
        var input = Path.Combine(dir, "kitti07");
        var (code, stdout, stderr) = CliRunner.Run("kitti2bag", SharedData.Path("data", "kitti", "odometry_07"), input, "--bag-format", "humble");
        Assert.True(code == 0, stdout + stderr);
        Assert.Empty(HumbleBagRules.Violations(File.ReadAllText(Path.Combine(input, "metadata.yaml"))));
        var output = Path.Combine(dir, "kitti07-depth");
        (code, stdout, stderr) = CliRunner.Run("run", "--bag", input, "--out", output, "--limit", "2", "--metric-source", "ground_plane", "--previews", "0");
        Assert.True(code == 0, stdout + stderr);

        // The camera's size, read from the recording's first PNG by OpenCV, is what the network warms up for.
        using (var first = Cv2.ImRead(SharedData.Path("data", "kitti", "odometry_07", "image_0", "000000.png"), ImreadModes.Unchanged))
            Assert.Contains($"model fastdepth_7: warming up for {first.Width}x{first.Height} camera images", stderr);

        var yaml = File.ReadAllText(Path.Combine(output, "metadata.yaml"));
        Assert.Empty(HumbleBagRules.Violations(yaml));
        Assert.Contains("  version: 5\n", yaml);
        using var bag = BagReader.Open(output);
        Assert.Equal(5, bag.Info.MetadataVersion);
        Assert.Equal(2, bag.ReadMessages(new BagReadOptions { Topics = ["/depth/image"] }).Count());
        // The node's publishers offer reliable (1), volatile (2), keep_last (1): rmw's integers, as Humble reads them.
        var qos = bag.Info.Topics.Single(t => t.Topic.Name == "/depth/image").Topic.OfferedQosProfiles;
        Assert.Empty(HumbleBagRules.QosViolations(qos));
        Assert.StartsWith("- history: 1\n  depth: 5\n  reliability: 1\n  durability: 2\n", qos);
    }

    [Fact]
    public void Run_AtRecordedPace_ThroughTheLiveNode_AccountsForEveryFrame()
    {
        var dir = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("run", "--out", Path.Combine(dir, "street-depth"), "--frames", "10", "--rate", "2", "--previews", "0");
        Assert.True(code == 0, stdout + stderr);
        // 10 Hz played at 2x: 50 ms per frame. Whatever this machine manages, every frame is processed or counted.
        var m = System.Text.RegularExpressions.Regex.Match(stdout, @"(\d+) of 10 frames processed, (\d+) dropped; played at 2x");
        Assert.True(m.Success, stdout);
        Assert.Equal(10, int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value));
        using var bag = BagReader.Open(Path.Combine(dir, "street-depth"));
        var last = bag.ReadMessages(new BagReadOptions { Topics = ["/depth/image"] }).Select(x => RosMessage.Deserialize<Image>(x.Data.ToArray()).Header).Last();
        Assert.Equal(StreetScene.HeaderAt(9), last); // the newest frame is never the one dropped
    }

    [Fact]
    public void Run_BagWithoutCameraInfo_FailsSayingSo()
    {
        var dir = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("run", "--bag", SharedData.Path("bags", "rosbag2js", "sample.db3"), "--out", Path.Combine(dir, "o"),
            "--image-topic", "/image", "--metric-source", "model");
        Assert.Equal(1, code);
        Assert.Contains("output: none written (0 of 1 frames processed", stdout);
        Assert.Contains("camera_info", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir)); // a failed run leaves no empty bag behind
    }

    [Fact]
    public void Run_ExistingOutput_IsNotOverwrittenWithoutForce()
    {
        var dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "metadata.yaml"), "an earlier bag");
        var (code, _, stderr) = CliRunner.Run("run", "--bag", SharedData.Path("bags", "rosbag2js", "sample.db3"), "--out", dir);
        Assert.Equal(1, code);
        Assert.Equal($"depthnode run: output {dir} exists (use --force to replace it)", stderr.Trim());
        Assert.Equal("an earlier bag", File.ReadAllText(Path.Combine(dir, "metadata.yaml")));
    }

    [Theory]
    [InlineData("run", "--limit", "-1", "option --limit must be an integer >= 0 (0 = every frame), got -1")]
    [InlineData("run", "--previews", "-1", "option --previews must be an integer >= 0, got -1")]
    [InlineData("run", "--threads", "-2", "option --threads must be an integer >= 0 (0 = ONNX Runtime's default), got -2")]
    [InlineData("run", "--frames", "0", "option --frames must be an integer >= 1, got 0")]
    [InlineData("run", "--rate", "Infinity", "--rate must be a positive number (1 = recorded pace), got 'Infinity'")]
    [InlineData("bench", "--threads", "-1", "option --threads must be an integer >= 0 (0 = ONNX Runtime's default), got -1")]
    [InlineData("bench", "--frames", "0", "option --frames must be an integer >= 1, got 0")]
    [InlineData("eval", "--threads", "-1", "option --threads must be an integer >= 0 (0 = ONNX Runtime's default), got -1")]
    public void Command_NegativeOrZeroCount_OneLineNamingValueAndRange(string command, string option, string value, string expected)
    {
        string[] extra = command == "eval" ? ["--data", SharedData.Path("data", "nyu")] : [];
        var (code, stdout, stderr) = CliRunner.Run([command, option, value, .. extra]);
        Assert.Equal(2, code);
        Assert.Equal($"depthnode {command}: {expected}", stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Fact]
    public void Run_ImageTopicNotInBag_RefusedBeforeTheModelLoads()
    {
        var dir = TempDir();
        var output = Path.Combine(dir, "o");
        var (code, stdout, stderr) = CliRunner.Run("run", "--bag", SharedData.Path("bags", "rosbag2js", "sample.db3"), "--out", output, "--image-topic", "/nope");
        Assert.Equal(1, code);
        Assert.Equal("depthnode run: image topic /nope is not in the bag; the bag's image topics: /image (sensor_msgs/msg/Image), " +
            "/image/compressed (sensor_msgs/msg/CompressedImage)", stderr.Trim());
        Assert.Equal("", stdout);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Bench_Json_ReportsEveryStageAndNoAllocationPerFrame()
    {
        var (code, stdout, stderr) = CliRunner.Run("bench", "--frames", "20", "--warmup", "5", "--json", "--threads", "1");
        Assert.True(code == 0, stdout + stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var stages = root.GetProperty("stages");
        foreach (var s in new[] { "decode", "preprocess", "inference", "postprocess", "metric_fit", "point_cloud", "colorize", "encode", "total", "non_network" })
            Assert.True(stages.GetProperty(s).GetProperty("median_ms").GetDouble() >= 0, s);
        Assert.Equal(20, root.GetProperty("frames").GetInt32());
        Assert.Equal(0, root.GetProperty("allocated_bytes_per_frame").GetDouble());
        Assert.True(root.GetProperty("fps").GetDouble() > 0);
    }
}
