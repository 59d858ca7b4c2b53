using System.Globalization;
using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// <c>depthnode kitti2bag &lt;folder&gt; &lt;out&gt;</c>: a KITTI odometry sequence folder (<c>image_0</c>…<c>image_3</c>,
/// <c>calib.txt</c>, <c>times.txt</c>, optional poses) into a rosbag2 bag shaped like a vehicle recording:
/// per camera <c>/kitti/camera_N/image_raw</c> (mono8 or rgb8 as the PNGs are) and <c>/kitti/camera_N/camera_info</c>
/// (the rectified projection matrix P_N from calib.txt), <c>/tf_static</c> with the rig (camera_0 → camera_N,
/// from the P matrices' baselines) and, when a poses file is present, <c>/tf</c> world → camera_0 per frame.
/// Stamps (header and log time) are the seconds of times.txt.
/// </summary>
public sealed class Kitti2BagCommand : ICommand, IHasValueOptions
{
    public string Name => "kitti2bag";
    public string Summary => "convert a KITTI odometry folder (images, calib.txt, times.txt, poses) into a rosbag2 bag";
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
        var storage = args.Option("storage") switch
        {
            null or "mcap" => BagStorage.Mcap,
            "sqlite3" => BagStorage.Sqlite3,
            var s => throw new CliException($"--storage must be mcap or sqlite3, got '{s}'", 2),
        };
        var compression = args.Option("compression") switch
        {
            null or "none" => McapCompression.None,
            "zstd" => McapCompression.Zstd,
            "lz4" => McapCompression.Lz4,
            var s => throw new CliException($"--compression must be none, zstd or lz4, got '{s}'", 2),
        };
        if (storage == BagStorage.Sqlite3 && compression != McapCompression.None)
            throw new CliException("--compression applies to --storage mcap only", 2);
        var posesOption = args.Option("poses");
        args.EnsureAllUsed(2);

        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such folder");
        var projections = ReadCalib(Path.Combine(folder, "calib.txt"));
        var times = ReadTimes(Path.Combine(folder, "times.txt"));
        var cameras = Enumerable.Range(0, 4)
            .Select(n => (Index: n, Dir: Path.Combine(folder, $"image_{n}")))
            .Where(c => Directory.Exists(c.Dir))
            .Select(c => (c.Index, c.Dir, Frames: Directory.GetFiles(c.Dir, "*.png").Order(StringComparer.Ordinal).ToArray()))
            .ToList();
        if (cameras.Count == 0) throw new CliException($"{folder}: no image_0 … image_3 folders: not a KITTI odometry sequence");
        foreach (var c in cameras)
        {
            if (!projections.ContainsKey(c.Index)) throw new CliException($"{folder}/calib.txt: no P{c.Index} for image_{c.Index}");
            if (c.Frames.Length > times.Length)
                throw new CliException($"{folder}/times.txt: {times.Length} stamps for {c.Frames.Length} images in image_{c.Index}");
        }
        var posesPath = posesOption ?? Directory.GetFiles(folder, "poses*.txt").Order(StringComparer.Ordinal).FirstOrDefault();
        var poses = posesPath is null ? null : ReadPoses(posesPath);
        var frames = cameras.Max(c => c.Frames.Length);

        var stamps = times.Select(t => (long)Math.Round(t * 1e9)).ToArray();
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

            Write("/tf_static", stamps[0], new TFMessage(projections.Keys.Where(k => k != 0).Order()
                .Select(k => new TransformStamped(new Header(RosTime.FromNanoseconds(stamps[0]), "camera_0"), $"camera_{k}",
                    new Transform(CameraOffset(projections[k]), Quaternion.Identity)))
                .ToArray()));

            for (var i = 0; i < frames; i++)
            {
                var stamp = RosTime.FromNanoseconds(stamps[i]);
                if (poses is not null && i < poses.Count)
                    Write("/tf", stamps[i], new TFMessage([new TransformStamped(new Header(stamp, "world"), "camera_0", poses[i])]));
                foreach (var c in cameras.Where(c => i < c.Frames.Length))
                {
                    var header = new Header(stamp, $"camera_{c.Index}");
                    var (width, height) = WriteImage(cdr, header, c.Frames[i]);
                    bag.Write($"/kitti/camera_{c.Index}/image_raw", stamps[i], stamps[i], cdr.WrittenSpan);
                    written++;
                    Write($"/kitti/camera_{c.Index}/camera_info", stamps[i], CameraInfoFor(header, width, height, projections[c.Index]));
                }
            }
        }
        stdout.WriteLine($"wrote {written} messages ({frames} frames, cameras {string.Join(",", cameras.Select(c => c.Index))}{(poses is null ? ", no poses" : $", poses from {Path.GetFileName(posesPath)}")}) to {output}");
        return 0;
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

    private static Dictionary<int, double[]> ReadCalib(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: missing (KITTI calibration with P0..P3)");
        var result = new Dictionary<int, double[]>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            if (key.Length != 2 || key[0] != 'P' || !char.IsAsciiDigit(key[1])) continue;
            var values = Numbers(line[(colon + 1)..], path, lineNo);
            if (values.Length != 12) throw new CliException($"{path}:{lineNo}: {key} has {values.Length} numbers, expected 12 (3×4 row-major)");
            if (values[0] == 0 || values[5] == 0) throw new CliException($"{path}:{lineNo}: {key} has a zero focal length");
            result[key[1] - '0'] = values;
        }
        if (!result.ContainsKey(0)) throw new CliException($"{path}: no P0 line");
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
            poses.Add(new Transform(new Vector3(v[3], v[7], v[11]), FromRotationMatrix(v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10])));
        }
        return poses;
    }

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
