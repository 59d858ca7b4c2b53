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
        Assert.Contains("exists (use --force to replace it)", stderr);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_out, "keep.txt")));
        // Not a bag folder: even --force leaves it alone.
        (code, _, stderr) = CliRunner.Run("kitti2bag", Folder, _out, "--force");
        Assert.NotEqual(0, code);
        Assert.Contains("is not a bag folder", stderr);
        Assert.Equal([Path.Combine(_out, "keep.txt")], Directory.GetFileSystemEntries(_out));
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

/// <summary>kitti2bag on a KITTI raw drive layout built at test time from three odometry_07 frames.</summary>
public sealed class Kitti2BagRawLayoutTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "depthnode-kitti-raw-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    // KITTI 2011_09_26 calibration values (devkit format).
    private const string RRect00 = "9.999239e-01 9.837760e-03 -7.445048e-03 -9.869795e-03 9.999421e-01 -4.278459e-03 7.402527e-03 4.351614e-03 9.999631e-01";
    private const string VeloR = "7.533745e-03 -9.999714e-01 -6.166020e-04 1.480249e-02 7.280733e-04 -9.998902e-01 9.998621e-01 7.523790e-03 1.480755e-02";
    private const string VeloT = "-4.069766e-03 -7.631618e-02 -2.717806e-01";

    [Fact]
    public void RawDrive_UsesPerCameraTimestamps_RectifiedProjection_AndVelodyneExtrinsics()
    {
        var odometry = SharedData.Path("data", "kitti", "odometry_07");
        var date = Path.Combine(_root, "2011_09_26");
        var drive = Path.Combine(date, "2011_09_26_drive_0001_sync");
        var data = Path.Combine(drive, "image_00", "data");
        Directory.CreateDirectory(data);
        for (var i = 0; i < 3; i++) File.Copy(Path.Combine(odometry, "image_0", $"{i:D6}.png"), Path.Combine(data, $"{i:D10}.png"));
        File.WriteAllLines(Path.Combine(drive, "image_00", "timestamps.txt"),
            ["2011-09-26 13:02:25.964389445", "2011-09-26 13:02:26.068775330", "2011-09-26 13:02:26.173142970"]);
        var calib = File.ReadAllLines(Path.Combine(odometry, "calib.txt"));
        File.WriteAllLines(Path.Combine(date, "calib_cam_to_cam.txt"),
        [
            "calib_time: 09-Jan-2012 13:57:47",
            "P_rect_00:" + calib[0][3..],
            "P_rect_01:" + calib[1][3..],
            "R_rect_00: " + RRect00,
        ]);
        File.WriteAllLines(Path.Combine(date, "calib_velo_to_cam.txt"), ["calib_time: 15-Mar-2012 11:37:16", "R: " + VeloR, "T: " + VeloT]);

        var output = Path.Combine(_root, "bag");
        var (code, stdout, stderr) = CliRunner.Run("kitti2bag", drive, output);
        Assert.True(code == 0, stderr);
        Assert.Contains("raw", stdout);

        var epoch = new DateTimeOffset(2011, 9, 26, 13, 2, 25, TimeSpan.Zero).ToUnixTimeSeconds() * 1_000_000_000L;
        long[] expectedStamps = [epoch + 964389445, epoch + 1_068775330, epoch + 1_173142970];
        using var bag = BagReader.Open(output);
        var images = bag.ReadMessages(new BagReadOptions { Topics = ["/kitti/camera_0/image_raw"] })
            .Select(m => RosMessage.Deserialize<Image>(m.Data.ToArray())).ToList();
        Assert.Equal(expectedStamps, images.Select(i => i.Header.Stamp.TotalNanoseconds));
        Assert.All(images, i => Assert.Equal((1226u, 370u, "mono8"), (i.Width, i.Height, i.Encoding)));

        var rig = bag.ReadMessages(new BagReadOptions { Topics = ["/tf_static"] })
            .Select(m => RosMessage.Deserialize<TFMessage>(m.Data.ToArray())).Single().Transforms.ToDictionary(t => t.ChildFrameId);
        Assert.Equal(379.8145 / 707.0912, rig["camera_1"].Transform.Translation.X, 1e-9);
        // A point 10 m ahead of the velodyne, mapped by the devkit formula X = R_rect·(R·X_velo + T), must equal the
        // velo_link → camera_0 transform applied to it.
        double[] rect = Numbers(RRect00), r = Numbers(VeloR), t = Numbers(VeloT), x = [10, 0, 0];
        var inCam = new double[3];
        for (var i = 0; i < 3; i++) inCam[i] = r[i * 3] * x[0] + r[i * 3 + 1] * x[1] + r[i * 3 + 2] * x[2] + t[i];
        var expected = Enumerable.Range(0, 3).Select(i => rect[i * 3] * inCam[0] + rect[i * 3 + 1] * inCam[1] + rect[i * 3 + 2] * inCam[2]).ToArray();
        var velo = rig["velo_link"].Transform;
        var actual = Rotate(velo.Rotation, x);
        for (var i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i] + new[] { velo.Translation.X, velo.Translation.Y, velo.Translation.Z }[i], 1e-5);
        Assert.True(expected[2] > 9.5, "10 m ahead of the lidar is ~10 m along the camera's optical axis");
    }

    private static double[] Numbers(string s) => s.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static double[] Rotate(Quaternion q, double[] v)
    {
        // v' = q v q*, expanded.
        double x = q.X, y = q.Y, z = q.Z, w = q.W;
        return
        [
            (1 - 2 * (y * y + z * z)) * v[0] + 2 * (x * y - z * w) * v[1] + 2 * (x * z + y * w) * v[2],
            2 * (x * y + z * w) * v[0] + (1 - 2 * (x * x + z * z)) * v[1] + 2 * (y * z - x * w) * v[2],
            2 * (x * z - y * w) * v[0] + 2 * (y * z + x * w) * v[1] + (1 - 2 * (x * x + y * y)) * v[2],
        ];
    }
}
