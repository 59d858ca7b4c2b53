using System.Security.Cryptography;
using DepthNode.Bags;

namespace DepthNode.Core.Tests.Bags;

/// <summary>A deterministic set of topics and messages for write/read tests (payloads are opaque CDR-framed bytes).</summary>
internal sealed record SyntheticMessage(string Topic, long LogTime, long PublishTime, byte[] Data);

internal static class SyntheticBag
{
    public static readonly TopicInfo Image = new("/camera/image_raw", "sensor_msgs/msg/Image", "cdr",
        "- history: keep_last\n  depth: 10\n  reliability: reliable\n  durability: volatile\n  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n  liveliness: automatic\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n  avoid_ros_namespace_conventions: false",
        "RIHS01_d31d41a9a4c4bc8eae9be757b0beed306564f7526c88ea6a4588fb9582527d47",
        "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n" +
        new string('=', 80) + "\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n" +
        new string('=', 80) + "\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n", "ros2msg");

    public static readonly TopicInfo Chatter = new("/chatter", "std_msgs/msg/String", "cdr",
        "- history: 1\n  depth: 7\n  reliability: 2\n  durability: 1\n  deadline:\n    sec: 0\n    nsec: 0\n  lifespan:\n    sec: 0\n    nsec: 0\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 0\n    nsec: 0\n  avoid_ros_namespace_conventions: false",
        "", "string data\n", "ros2msg");

    /// <summary>A topic declared but never published (rosbag2 records such topics too).</summary>
    public static readonly TopicInfo Silent = new("/parameter_events", "rcl_interfaces/msg/ParameterEvent", "cdr", "", "", "string node\n", "ros2msg");

    public static IReadOnlyList<TopicInfo> Topics => [Image, Chatter, Silent];

    /// <summary><paramref name="count"/> messages; times mostly increasing with a few out-of-order arrivals, as real recordings have.</summary>
    public static List<SyntheticMessage> Messages(int count, int seed, int maxImageBytes = 60_000)
    {
        var rng = new Random(seed);
        var list = new List<SyntheticMessage>(count);
        long t = 1_700_000_000_000_000_000 + rng.Next(1000);
        for (var i = 0; i < count; i++)
        {
            t += rng.Next(1, 20_000_000);
            var isImage = rng.Next(3) == 0;
            var size = isImage ? rng.Next(4, maxImageBytes) : rng.Next(4, 64);
            var data = new byte[size];
            rng.NextBytes(data);
            data[0] = 0; data[1] = 1; data[2] = 0; data[3] = 0;
            var log = rng.Next(10) == 0 ? t - rng.Next(1, 30_000_000) : t;
            list.Add(new SyntheticMessage(isImage ? Image.Name : Chatter.Name, log, log - rng.Next(0, 1_000_000), data));
        }
        return list;
    }

    /// <summary>The order a bag reader must yield: by log time, ties in write order.</summary>
    public static List<SyntheticMessage> InLogTimeOrder(IEnumerable<SyntheticMessage> messages) =>
        messages.Select((m, i) => (m, i)).OrderBy(x => x.m.LogTime).ThenBy(x => x.i).Select(x => x.m).ToList();

    public static string Sha256(IEnumerable<byte[]> payloads)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in payloads) h.AppendData(p);
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "depthnode-bags-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        return dir;
    }
}
