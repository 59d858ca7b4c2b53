using DepthNode.Messages;

namespace DepthNode.Core.Tests.Messages;

/// <summary>Messages with every field set to a distinctive value, for round trips and cross-checks.</summary>
internal static class SampleMessages
{
    public static readonly Header Header = new(new RosTime(1_700_000_123, 456_789_000), "camera_optical_frame");

    public static CameraInfo CameraInfo() => new(
        Header, 375, 1242, "plumb_bob", [-0.1, 0.02, 0.001, -0.0005, 0.0],
        [718.856, 0, 607.1928, 0, 718.856, 185.2157, 0, 0, 1],
        [1, 0, 0, 0, 1, 0, 0, 0, 1],
        [718.856, 0, 607.1928, 45.38225, 0, 718.856, 185.2157, -0.1130887, 0, 0, 1, 0.003779761],
        1, 2, new RegionOfInterest(3, 4, 5, 6, true));

    public static PointCloud2 PointCloud(int points)
    {
        var data = new byte[points * 16];
        for (var i = 0; i < points; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(i * 16), i * 0.5f);
            BitConverter.TryWriteBytes(data.AsSpan(i * 16 + 4), -i * 0.25f);
            BitConverter.TryWriteBytes(data.AsSpan(i * 16 + 8), 1.5f + i);
            BitConverter.TryWriteBytes(data.AsSpan(i * 16 + 12), i % 7 / 7f);
        }
        return new PointCloud2(Header, 1, (uint)points,
            [new("x", 0, PointField.Float32, 1), new("y", 4, PointField.Float32, 1), new("z", 8, PointField.Float32, 1), new("intensity", 12, PointField.Float32, 1)],
            false, 16, (uint)points * 16, data, true);
    }

    public static DiagnosticArray Diagnostics() => new(Header,
    [
        new DiagnosticStatus(DiagnosticStatus.Warn, "depthnode: inference", "slow", "cpu0", [new("latency_ms", "41.5"), new("dropped", "3")]),
        new DiagnosticStatus(DiagnosticStatus.Ok, "depthnode: input", "", "", []),
    ]);

    public static TFMessage Tf() => new(
    [
        new TransformStamped(Header with { FrameId = "world" }, "camera", new Transform(new Vector3(1.25, -2.5, 0.125), new Quaternion(0.1, 0.2, 0.3, 0.9273618495495703))),
        new TransformStamped(Header with { FrameId = "base_link" }, "velodyne", new Transform(new Vector3(0, 0, 1.73), Quaternion.Identity)),
    ]);

    public static DepthMetadata Metadata() => new(Header, "fastdepth_7", "camera_height", 1.5f, -0.25f, 12.75f, 4);

    public static Image Image(int width = 5, int height = 3, string encoding = "rgb8", int bpp = 3)
    {
        var step = width * bpp + 1; // row padding on purpose
        var data = new byte[step * height];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 31 + 7);
        return new Image(Header, (uint)height, (uint)width, encoding, 0, (uint)step, data);
    }
}
