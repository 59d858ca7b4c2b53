using System.Globalization;
using DepthNode.Bags;
using DepthNode.Messages;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>kitti2bag on the real KITTI odometry 07 excerpt; expected values are read from the KITTI text files here.</summary>
public sealed class Kitti2BagCommandTests : IDisposable
{
    private static readonly string Folder = SharedData.Path("data", "kitti", "odometry_07");
    private readonly string _out = Path.Combine(Path.GetTempPath(), "depthnode-kitti2bag-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, true);
    }

    private static double[] Numbers(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData("mcap")]
    [InlineData("sqlite3")]
    public void Odometry07_BecomesABagOfImagesCameraInfoAndTf(string storage)
    {
        var (code, stdout, stderr) = CliRunner.Run("kitti2bag", Folder, _out, "--storage", storage);
        Assert.True(code == 0, stderr);
        Assert.Contains("160 frames", stdout);

        var times = File.ReadLines(Path.Combine(Folder, "times.txt")).Take(160).Select(l => (long)Math.Round(Numbers(l)[0] * 1e9)).ToArray();
        var p0 = Numbers(File.ReadLines(Path.Combine(Folder, "calib.txt")).First(l => l.StartsWith("P0:", StringComparison.Ordinal))[3..]);
        var poses = File.ReadLines(Path.Combine(Folder, "poses_07_with_time.txt")).Take(160).Select(Numbers).ToArray();

        using var bag = BagReader.Open(_out);
        Assert.Equal(storage, bag.Info.StorageId);
        var counts = bag.Info.Topics.ToDictionary(t => t.Topic.Name, t => t.MessageCount);
        Assert.Equal(160, counts["/kitti/camera_0/image_raw"]);
        Assert.Equal(160, counts["/kitti/camera_0/camera_info"]);
        Assert.Equal(160, counts["/tf"]);
        Assert.Equal(1, counts["/tf_static"]);
        Assert.All(bag.Info.Topics, t => Assert.Equal(MessageDefinitions.Get(t.Topic.Type), t.Topic.MessageDefinition));

        var images = 0;
        var tfs = 0;
        foreach (var m in bag.ReadMessages())
        {
            var payload = m.Data.ToArray();
            switch (m.Topic.Name)
            {
                case "/kitti/camera_0/image_raw":
                {
                    var image = RosMessage.Deserialize<Image>(payload);
                    Assert.Equal((1226u, 370u, "mono8", 1226u, "camera_0"), (image.Width, image.Height, image.Encoding, image.Step, image.Header.FrameId));
                    Assert.Equal(times[images], image.Header.Stamp.TotalNanoseconds);
                    Assert.Equal(times[images], m.LogTimeNs);
                    if (images is 0 or 159)
                    {
                        using var png = Cv2.ImRead(Path.Combine(Folder, "image_0", $"{images:D6}.png"), ImreadModes.Grayscale);
                        png.GetArray(out byte[] expected);
                        Assert.Equal(expected, image.Data.ToArray());
                    }
                    images++;
                    break;
                }
                case "/kitti/camera_0/camera_info":
                {
                    var info = RosMessage.Deserialize<CameraInfo>(payload);
                    Assert.Equal(p0, info.P);
                    Assert.Equal(new[] { p0[0], p0[1], p0[2], p0[4], p0[5], p0[6], p0[8], p0[9], p0[10] }, info.K);
                    Assert.Equal((1226u, 370u), (info.Width, info.Height));
                    break;
                }
                case "/tf":
                {
                    var t = Assert.Single(RosMessage.Deserialize<TFMessage>(payload).Transforms);
                    Assert.Equal(("world", "camera_0"), (t.Header.FrameId, t.ChildFrameId));
                    var pose = poses[tfs]; // time, then 3×4 row-major
                    Assert.Equal(times[tfs], t.Header.Stamp.TotalNanoseconds);
                    Assert.Equal(new Vector3(pose[4], pose[8], pose[12]), t.Transform.Translation);
                    var r = RotationMatrix(t.Transform.Rotation);
                    double[] expected = [pose[1], pose[2], pose[3], pose[5], pose[6], pose[7], pose[9], pose[10], pose[11]];
                    for (var k = 0; k < 9; k++) Assert.Equal(expected[k], r[k], 1e-6);
                    tfs++;
                    break;
                }
                case "/tf_static":
                {
                    var rig = RosMessage.Deserialize<TFMessage>(payload).Transforms.ToDictionary(t => t.ChildFrameId);
                    Assert.Equal(["camera_1", "camera_2", "camera_3"], rig.Keys.Order());
                    // KITTI04-12.yaml: bf = 379.8145 = fx · baseline of the grey stereo pair.
                    Assert.Equal(379.8145 / 707.0912, rig["camera_1"].Transform.Translation.X, 1e-9);
                    Assert.Equal(0, rig["camera_1"].Transform.Translation.Y, 1e-12);
                    break;
                }
            }
        }
        Assert.Equal(160, images);
        Assert.Equal(160, tfs);
    }

    [Fact]
    public void ExistingOutput_IsNotOverwritten()
    {
        Directory.CreateDirectory(_out);
        File.WriteAllText(Path.Combine(_out, "keep.txt"), "x");
        var (code, _, stderr) = CliRunner.Run("kitti2bag", Folder, _out);
        Assert.NotEqual(0, code);
        Assert.Contains("not empty", stderr);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_out, "keep.txt")));
    }

    [Fact]
    public void FolderWithoutCalib_FailsNamingTheFile()
    {
        var (code, _, stderr) = CliRunner.Run("kitti2bag", Path.GetTempPath(), _out);
        Assert.NotEqual(0, code);
        Assert.Contains("calib.txt", stderr);
    }

    private static double[] RotationMatrix(Quaternion q)
    {
        double x = q.X, y = q.Y, z = q.Z, w = q.W;
        return
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
        ];
    }
}
