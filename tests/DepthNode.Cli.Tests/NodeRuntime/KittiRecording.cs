using DepthNode.Bags;
using DepthNode.Cli.Tests.Commands;
using DepthNode.Tests;

namespace DepthNode.Cli.Tests.NodeRuntime;

/// <summary>
/// KITTI odometry 07 (camera_0, mono8 1226x370, 10 Hz) made into a bag by <c>depthnode kitti2bag</c> once per test
/// class, and its messages as the adapter's callbacks would get them: serialized CDR per topic, in recorded order.
/// </summary>
public sealed class KittiRecording : IDisposable
{
    public const string ImageTopic = "/kitti/camera_0/image_raw";
    public const string CameraInfoTopic = "/kitti/camera_0/camera_info";

    private readonly string _bag = Path.Combine(Path.GetTempPath(), "depthnode-runtime-kitti-" + Guid.NewGuid().ToString("N"));

    public KittiRecording()
    {
        var (code, _, stderr) = CliRunner.Run("kitti2bag", SharedData.Path("data", "kitti", "odometry_07"), _bag);
        if (code != 0) throw new InvalidOperationException("kitti2bag failed: " + stderr);
        using var reader = BagReader.Open(_bag);
        Messages = reader.ReadMessages(new BagReadOptions { Topics = [ImageTopic, CameraInfoTopic] })
            .Select(m => (m.Topic.Name, m.Data.ToArray())).ToArray();
    }

    /// <summary>(topic, CDR) in recorded order: each image followed by its CameraInfo.</summary>
    public IReadOnlyList<(string Topic, byte[] Cdr)> Messages { get; }

    public IEnumerable<byte[]> Images => Messages.Where(m => m.Topic == ImageTopic).Select(m => m.Cdr);
    public IEnumerable<byte[]> CameraInfos => Messages.Where(m => m.Topic == CameraInfoTopic).Select(m => m.Cdr);

    /// <summary>The parameters that point the node at this recording (as a launch file would remap them).</summary>
    public static string[] Arguments(params string[] more) =>
    [
        "--ros-args", "-r", "camera/image_raw:=" + ImageTopic, "-r", "camera/camera_info:=" + CameraInfoTopic,
        "-p", "metric_source:=ground_plane", "-p", "camera_height_m:=1.73", .. more,
    ];

    /// <summary>Writes a header stamp into a serialized message (after the 4-byte encapsulation header), in place.</summary>
    public static void Stamp(byte[] cdr, long ns)
    {
        BitConverter.TryWriteBytes(cdr.AsSpan(4, 4), (int)(ns / 1_000_000_000));
        BitConverter.TryWriteBytes(cdr.AsSpan(8, 4), (uint)(ns % 1_000_000_000));
    }

    public static long StampOf(ReadOnlySpan<byte> cdr) =>
        BitConverter.ToInt32(cdr.Slice(4, 4)) * 1_000_000_000L + BitConverter.ToUInt32(cdr.Slice(8, 4));

    public void Dispose()
    {
        if (Directory.Exists(_bag)) Directory.Delete(_bag, true);
    }
}
