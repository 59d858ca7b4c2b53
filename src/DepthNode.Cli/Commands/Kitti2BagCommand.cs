using System.Globalization;
using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// <c>depthnode kitti2bag &lt;folder&gt; &lt;out&gt;</c>: a KITTI odometry sequence folder (<c>image_0</c>…<c>image_3</c>,
/// <c>calib.txt</c>, <c>times.txt</c>, optional poses) or a raw drive folder (<c>image_00/data</c>…, timestamps,
/// <c>calib_cam_to_cam.txt</c>) into a rosbag2 bag shaped like a vehicle recording:
/// per camera <c>/kitti/camera_N/image_raw</c> (mono8 or rgb8 as the PNGs are) and <c>/kitti/camera_N/camera_info</c>
/// (the rectified projection matrix P_N from calib.txt), <c>/tf_static</c> with the rig (camera_0 → camera_N,
/// from the P matrices' baselines; camera_0 → velo_link when the calibration has it) and, when a poses file is
/// present, <c>/tf</c> world → camera_0 per frame. Stamps (header and log time) come from times.txt (odometry:
/// seconds from the sequence start) or the per-camera timestamps.txt (raw).
/// </summary>
public sealed class Kitti2BagCommand : ICommand, IHasValueOptions
{
    public string Name => "kitti2bag";
    public string Summary => "convert a KITTI odometry or raw folder (images, calibration, times, poses) into a rosbag2 bag";
    public string Usage => "kitti2bag <folder> <out> [--storage mcap|sqlite3] [--compression none|zstd|lz4] [--poses FILE]";
    public IReadOnlyCollection<string> ValueOptions => ["storage", "compression", "poses"];

    // rclcpp defaults (reliable, volatile, keep last 10); /tf_static is transient local like tf2's static broadcaster.
    private const string VolatileQos =
        "- history: 1\n  depth: 10\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 2147483647\n    nsec: 4294967295\n" +
        "  lifespan:\n    sec: 2147483647\n    nsec: 4294967295\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 2147483647\n    nsec: 4294967295\n" +
        "  avoid_ros_namespace_conventions: false";
    private static readonly string StaticQos = VolatileQos.Replace("depth: 10", "depth: 1").Replace("durability: 2", "durability: 1");

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var folder = args.Positional(0, "folder");
        var output = args.Positional(1, "out");
        var (storage, compression) = BagOutputOptions.Parse(args);
        var posesOption = args.Option("poses");
        args.EnsureAllUsed(2);

        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such folder");
        var sequence = Directory.Exists(Path.Combine(folder, "image_00")) || Directory.Exists(Path.Combine(folder, "image_02"))
            ? LoadRaw(folder, posesOption)
            : LoadOdometry(folder, posesOption);
        var cameras = sequence.Cameras;
        var poses = sequence.Poses;
        var firstStamp = cameras.Min(c => c.StampsNs[0]);

        // Every message as (log time, writer), sorted so the bag is in time order across cameras.
        using var cdr = new CdrWriter(2 << 20);
        long written = 0;
        using (var bag = BagWriter.Create(output, storage, compression))
        {
            void Topic(string name, string type, string qos) =>
                bag.AddTopic(new TopicInfo(name, type, "cdr", qos, "", MessageDefinitions.Get(type), "ros2msg"));
            void Write<T>(string topic, long stampNs, T message) where T : IRosMessage<T>
            {
                cdr.Reset();
                RosMessage.Serialize(message, cdr);
                bag.Write(topic, stampNs, stampNs, cdr.WrittenSpan);
                written++;
            }

            foreach (var c in cameras)
            {
                Topic($"/kitti/camera_{c.Index}/image_raw", Image.RosTypeName, VolatileQos);
                Topic($"/kitti/camera_{c.Index}/camera_info", CameraInfo.RosTypeName, VolatileQos);
            }
            Topic("/tf_static", TFMessage.RosTypeName, StaticQos);
            if (poses is not null) Topic("/tf", TFMessage.RosTypeName, VolatileQos);

            var firstTime = RosTime.FromNanoseconds(firstStamp);
            Write("/tf_static", firstStamp, new TFMessage(sequence.StaticTransforms
                .Select(t => new TransformStamped(new Header(firstTime, t.Parent), t.Child, t.Transform)).ToArray()));

            var events = new List<(long Stamp, int Order, Action Write)>();
            if (poses is not null)
            {
                var reference = cameras.FirstOrDefault(c => c.Index == 0) ?? cameras[0];
                for (var i = 0; i < Math.Min(poses.Count, reference.StampsNs.Length); i++)
                {
                    var (stampNs, pose) = (reference.StampsNs[i], poses[i]);
                    events.Add((stampNs, 0, () => Write("/tf", stampNs,
                        new TFMessage([new TransformStamped(new Header(RosTime.FromNanoseconds(stampNs), "world"), "camera_0", pose)]))));
                }
            }
            foreach (var c in cameras)
                for (var i = 0; i < c.Frames.Length; i++)
                {
                    var (camera, frame, stampNs) = (c, c.Frames[i], c.StampsNs[i]);
                    events.Add((stampNs, 1 + c.Index, () =>
                    {
                        var header = new Header(RosTime.FromNanoseconds(stampNs), $"camera_{camera.Index}");
                        var (width, height) = WriteImage(cdr, header, frame);
                        bag.Write($"/kitti/camera_{camera.Index}/image_raw", stampNs, stampNs, cdr.WrittenSpan);
                        written++;
                        Write($"/kitti/camera_{camera.Index}/camera_info", stampNs, CameraInfoFor(header, width, height, camera.Projection));
                    }));
                }
            foreach (var e in events.OrderBy(e => e.Stamp).ThenBy(e => e.Order)) e.Write();
        }
        stdout.WriteLine($"wrote {written} messages ({sequence.Kind}, {cameras.Max(c => c.Frames.Length)} frames, cameras {string.Join(",", cameras.Select(c => c.Index))}{(poses is null ? ", no poses" : $", poses from {Path.GetFileName(sequence.PosesPath)}")}) to {output}");
        return 0;
    }

    private sealed record Camera(int Index, string[] Frames, long[] StampsNs, double[] Projection);

    private sealed record StaticTransform(string Parent, string Child, Transform Transform);

    private sealed record Sequence(string Kind, List<Camera> Cameras, List<StaticTransform> StaticTransforms, List<Transform>? Poses, string? PosesPath);

    /// <summary>Odometry layout: image_N/*.png, calib.txt (P0..P3, optional Tr), times.txt, optional poses*.txt.</summary>
    private static Sequence LoadOdometry(string folder, string? posesOption)
    {
        var calibPath = Path.Combine(folder, "calib.txt");
        var calib = ReadKeyedNumbers(calibPath);
        var times = ReadTimes(Path.Combine(folder, "times.txt"));
        var stamps = times.Select(t => (long)Math.Round(t * 1e9)).ToArray();
        var projections = Enumerable.Range(0, 4).Where(n => calib.ContainsKey($"P{n}"))
            .ToDictionary(n => n, n => Projection(calib[$"P{n}"], calibPath, $"P{n}"));
        if (!projections.ContainsKey(0)) throw new CliException($"{calibPath}: no P0 line");
        var cameras = new List<Camera>();
        foreach (var n in Enumerable.Range(0, 4))
        {
            var dir = Path.Combine(folder, $"image_{n}");
            if (!Directory.Exists(dir)) continue;
            var frames = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray();
            if (frames.Length == 0) throw new CliException($"{dir}: no .png images");
            if (!projections.TryGetValue(n, out var p)) throw new CliException($"{calibPath}: no P{n} for image_{n}");
            if (frames.Length > stamps.Length)
                throw new CliException($"{folder}/times.txt: {stamps.Length} stamps for {frames.Length} images in image_{n}");
            cameras.Add(new Camera(n, frames, stamps[..frames.Length], p));
        }
        if (cameras.Count == 0) throw new CliException($"{folder}: no image_0 … image_3 folders (odometry) or image_00 … image_03 (raw): not a KITTI sequence");
        var statics = Rig(projections);
        if (calib.TryGetValue("Tr", out var tr))
        {
            if (tr.Length != 12) throw new CliException($"{calibPath}: Tr has {tr.Length} numbers, expected 12 (3×4 velodyne → camera_0)");
            statics.Add(new StaticTransform("camera_0", "velo_link", PoseFrom3x4(tr)));
        }
        var posesPath = posesOption ?? Directory.GetFiles(folder, "poses*.txt").Order(StringComparer.Ordinal).FirstOrDefault();
        return new Sequence("odometry", cameras, statics, posesPath is null ? null : ReadPoses(posesPath), posesPath);
    }

    /// <summary>
    /// Raw (synced) layout: image_0N/data/*.png with image_0N/timestamps.txt (<c>yyyy-MM-dd HH:mm:ss.fffffffff</c>,
    /// taken as UTC), calib_cam_to_cam.txt (P_rect_0N, R_rect_00) and optional calib_velo_to_cam.txt (R, T) in the
    /// drive folder or its parent (the date folder). oxts poses are not converted; --poses takes an odometry-style file.
    /// </summary>
    private static Sequence LoadRaw(string folder, string? posesOption)
    {
        string Find(string name) =>
            new[] { Path.Combine(folder, name), Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd('/')) ?? folder, name) }
                .FirstOrDefault(File.Exists) ?? "";
        var camToCam = Find("calib_cam_to_cam.txt");
        if (camToCam.Length == 0) throw new CliException($"{folder}: calib_cam_to_cam.txt not found in the drive folder or its parent");
        var calib = ReadKeyedNumbers(camToCam);
        var projections = Enumerable.Range(0, 4).Where(n => calib.ContainsKey($"P_rect_0{n}"))
            .ToDictionary(n => n, n => Projection(calib[$"P_rect_0{n}"], camToCam, $"P_rect_0{n}"));
        var cameras = new List<Camera>();
        foreach (var n in Enumerable.Range(0, 4))
        {
            var dir = Path.Combine(folder, $"image_0{n}");
            if (!Directory.Exists(dir)) continue;
            var frames = Directory.Exists(Path.Combine(dir, "data"))
                ? Directory.GetFiles(Path.Combine(dir, "data"), "*.png").Order(StringComparer.Ordinal).ToArray() : [];
            if (frames.Length == 0) throw new CliException($"{dir}/data: no .png images");
            if (!projections.TryGetValue(n, out var p)) throw new CliException($"{camToCam}: no P_rect_0{n} for image_0{n}");
            var stamps = ReadRawTimestamps(Path.Combine(dir, "timestamps.txt"));
            if (frames.Length > stamps.Length)
                throw new CliException($"{dir}/timestamps.txt: {stamps.Length} stamps for {frames.Length} images");
            cameras.Add(new Camera(n, frames, stamps[..frames.Length], p));
        }
        if (!projections.ContainsKey(0)) throw new CliException($"{camToCam}: no P_rect_00 line");
        var statics = Rig(projections);
        var veloToCam = Find("calib_velo_to_cam.txt");
        if (veloToCam.Length > 0)
        {
            var v = ReadKeyedNumbers(veloToCam);
            if (!v.TryGetValue("R", out var r) || r.Length != 9 || !v.TryGetValue("T", out var t) || t.Length != 3)
                throw new CliException($"{veloToCam}: expected 'R:' with 9 numbers and 'T:' with 3");
            // Points go velodyne → camera_0 → rectified camera_0: X = R_rect·(R·X_velo + T).
            var rect = calib.TryGetValue("R_rect_00", out var rr) && rr.Length == 9 ? rr : [1, 0, 0, 0, 1, 0, 0, 0, 1];
            var rot = new double[9];
            var trans = new double[3];
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                    for (var k = 0; k < 3; k++) rot[i * 3 + j] += rect[i * 3 + k] * r[k * 3 + j];
                for (var k = 0; k < 3; k++) trans[i] += rect[i * 3 + k] * t[k];
            }
            statics.Add(new StaticTransform("camera_0", "velo_link", PoseFrom3x4(
                [rot[0], rot[1], rot[2], trans[0], rot[3], rot[4], rot[5], trans[1], rot[6], rot[7], rot[8], trans[2]])));
        }
        return new Sequence("raw", cameras, statics, posesOption is null ? null : ReadPoses(posesOption), posesOption);
    }

    private static List<StaticTransform> Rig(Dictionary<int, double[]> projections) =>
        projections.Keys.Where(k => k != 0).Order()
            .Select(k => new StaticTransform("camera_0", $"camera_{k}", new Transform(CameraOffset(projections[k]), Quaternion.Identity)))
            .ToList();

    private static double[] Projection(double[] values, string path, string key)
    {
        if (values.Length != 12) throw new CliException($"{path}: {key} has {values.Length} numbers, expected 12 (3×4 row-major)");
        if (values[0] == 0 || values[5] == 0) throw new CliException($"{path}: {key} has a zero focal length");
        return values;
    }

    private static long[] ReadRawTimestamps(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: missing (one 'yyyy-MM-dd HH:mm:ss.fffffffff' per image)");
        var stamps = new List<long>();
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var dot = line.LastIndexOf('.');
            var whole = dot < 0 ? line : line[..dot];
            var fraction = dot < 0 ? "" : line[(dot + 1)..];
            if (!DateTime.TryParseExact(whole, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                || fraction.Length > 9 || !fraction.All(char.IsAsciiDigit))
                throw new CliException($"{path}:{lineNo}: '{line}' is not a 'yyyy-MM-dd HH:mm:ss.fffffffff' timestamp");
            var ns = (t - DateTime.UnixEpoch).Ticks * 100 + (fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(9, '0'), CultureInfo.InvariantCulture));
            stamps.Add(ns);
        }
        if (stamps.Count == 0) throw new CliException($"{path}: no timestamps");
        return stamps.ToArray();
    }

    // Decodes the PNG and writes the Image message with its pixels copied straight into the CDR buffer.
    private static (uint Width, uint Height) WriteImage(CdrWriter cdr, Header header, string path)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (mat.Empty()) throw new CliException($"{path}: OpenCV cannot read this image");
        string encoding;
        if (mat.Type() == MatType.CV_8UC1) encoding = "mono8";
        else if (mat.Type() == MatType.CV_8UC3) { Cv2.CvtColor(mat, mat, ColorConversionCodes.BGR2RGB); encoding = "rgb8"; }
        else throw new CliException($"{path}: unsupported pixel type {mat.Type()} (expected 8-bit grey or colour)");
        int rows = mat.Rows, cols = mat.Cols;
        var rowBytes = cols * mat.Channels();
        var matStep = checked((int)mat.Step());
        cdr.Reset();
        var pixels = Image.WriteUpToData(cdr, header, (uint)rows, (uint)cols, encoding, (uint)rowBytes);
        unsafe
        {
            var source = new ReadOnlySpan<byte>((void*)mat.Data, checked((rows - 1) * matStep + rowBytes));
            for (var y = 0; y < rows; y++)
                source.Slice(y * matStep, rowBytes).CopyTo(pixels.Slice(y * rowBytes, rowBytes));
        }
        cdr.Flush();
        return ((uint)cols, (uint)rows);
    }

    private static CameraInfo CameraInfoFor(Header header, uint width, uint height, double[] p) => new(
        header, height, width, "plumb_bob", [0, 0, 0, 0, 0],
        [p[0], p[1], p[2], p[4], p[5], p[6], p[8], p[9], p[10]],
        [1, 0, 0, 0, 1, 0, 0, 0, 1],
        p, 0, 0, default);

    /// <summary>
    /// Origin of camera N in camera_0's (rectified) frame. P_N = K [I | t] with t = K⁻¹ · P_N[:,3], and a point X in
    /// camera_0 coordinates is X + t in camera N's, so camera N sits at −t.
    /// </summary>
    internal static Vector3 CameraOffset(double[] p)
    {
        var tz = p[11];
        var ty = (p[7] - p[6] * tz) / p[5];
        var tx = (p[3] - p[1] * ty - p[2] * tz) / p[0];
        return new Vector3(-tx, -ty, -tz);
    }

    /// <summary>KITTI calibration text: <c>KEY: n n n …</c> per line; lines whose values are not numbers (calib_time) are skipped.</summary>
    private static Dictionary<string, double[]> ReadKeyedNumbers(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: missing (KITTI calibration)");
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon].Trim();
            if (key == "calib_time") continue;
            result[key] = Numbers(line[(colon + 1)..], path, lineNo);
        }
        return result;
    }

    private static double[] ReadTimes(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: missing (one time in seconds per frame)");
        var lines = File.ReadAllLines(path);
        var times = new List<double>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var v = Numbers(lines[i], path, i + 1);
            if (v.Length != 1) throw new CliException($"{path}:{i + 1}: expected one number, got {v.Length}");
            if (times.Count > 0 && v[0] < times[^1]) throw new CliException($"{path}:{i + 1}: time {v[0]} goes backwards");
            times.Add(v[0]);
        }
        if (times.Count == 0) throw new CliException($"{path}: no times");
        return times.ToArray();
    }

    /// <summary>KITTI poses: per line a 3×4 row-major camera-to-world matrix, optionally preceded by the time.</summary>
    private static List<Transform> ReadPoses(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such poses file");
        var poses = new List<Transform>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var v = Numbers(line, path, lineNo);
            if (v.Length == 13) v = v[1..];
            else if (v.Length != 12) throw new CliException($"{path}:{lineNo}: {v.Length} numbers, expected 12 (3×4 pose) or 13 (time + pose)");
            poses.Add(PoseFrom3x4(v));
        }
        return poses;
    }

    private static Transform PoseFrom3x4(double[] v) =>
        new(new Vector3(v[3], v[7], v[11]), FromRotationMatrix(v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10]));

    // Shepperd's method: pick the largest of w, x, y, z to divide by, for numerical stability.
    internal static Quaternion FromRotationMatrix(double m00, double m01, double m02, double m10, double m11, double m12, double m20, double m21, double m22)
    {
        var trace = m00 + m11 + m22;
        Quaternion q;
        if (trace > 0)
        {
            var s = Math.Sqrt(trace + 1) * 2;
            q = new Quaternion((m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, s / 4);
        }
        else if (m00 > m11 && m00 > m22)
        {
            var s = Math.Sqrt(1 + m00 - m11 - m22) * 2;
            q = new Quaternion(s / 4, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s);
        }
        else if (m11 > m22)
        {
            var s = Math.Sqrt(1 + m11 - m00 - m22) * 2;
            q = new Quaternion((m01 + m10) / s, s / 4, (m12 + m21) / s, (m02 - m20) / s);
        }
        else
        {
            var s = Math.Sqrt(1 + m22 - m00 - m11) * 2;
            q = new Quaternion((m02 + m20) / s, (m12 + m21) / s, s / 4, (m10 - m01) / s);
        }
        var n = Math.Sqrt(q.X * q.X + q.Y * q.Y + q.Z * q.Z + q.W * q.W);
        return new Quaternion(q.X / n, q.Y / n, q.Z / n, q.W / n);
    }

    private static double[] Numbers(string text, string path, int lineNo)
    {
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new CliException($"{path}:{lineNo}: '{parts[i]}' is not a number");
        return values;
    }
}
