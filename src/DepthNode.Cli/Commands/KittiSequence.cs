using System.Globalization;
using DepthNode.CommandLine;
using DepthNode.Messages;

namespace DepthNode.Cli.Commands;

internal sealed record KittiCamera(int Index, string[] Frames, long[] StampsNs, double[] Projection);

internal sealed record KittiStaticTransform(string Parent, string Child, Transform Transform);

/// <summary>
/// A KITTI folder read for <see cref="Kitti2BagCommand"/>: the cameras with their PNG frames, stamps and projection
/// matrices, the static rig transforms and, when given, the poses. Odometry sequences and raw drives are told apart by
/// their image folder names. Every malformed file is a <see cref="CliException"/> naming the file and line.
/// </summary>
internal sealed record KittiSequence(string Kind, List<KittiCamera> Cameras, List<KittiStaticTransform> StaticTransforms, List<Transform>? Poses, string? PosesPath)
{
    public static KittiSequence Load(string folder, string? posesOption) =>
        Directory.Exists(Path.Combine(folder, "image_00")) || Directory.Exists(Path.Combine(folder, "image_02"))
            ? LoadRaw(folder, posesOption)
            : LoadOdometry(folder, posesOption);

    /// <summary>Odometry layout: image_N/*.png, calib.txt (P0..P3, optional Tr), times.txt, optional poses*.txt.</summary>
    private static KittiSequence LoadOdometry(string folder, string? posesOption)
    {
        var calibPath = Path.Combine(folder, "calib.txt");
        var calib = ReadKeyedNumbers(calibPath);
        var times = ReadTimes(Path.Combine(folder, "times.txt"));
        var stamps = times.Select(t => (long)Math.Round(t * 1e9)).ToArray();
        var projections = Enumerable.Range(0, 4).Where(n => calib.ContainsKey($"P{n}"))
            .ToDictionary(n => n, n => Projection(calib[$"P{n}"], calibPath, $"P{n}"));
        if (!projections.ContainsKey(0)) throw new CliException($"{calibPath}: no P0 line");
        var cameras = new List<KittiCamera>();
        foreach (var n in Enumerable.Range(0, 4))
        {
            var dir = Path.Combine(folder, $"image_{n}");
            if (!Directory.Exists(dir)) continue;
            var frames = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray();
            if (frames.Length == 0) throw new CliException($"{dir}: no .png images");
            if (!projections.TryGetValue(n, out var p)) throw new CliException($"{calibPath}: no P{n} for image_{n}");
            if (frames.Length > stamps.Length)
                throw new CliException($"{folder}/times.txt: {stamps.Length} stamps for {frames.Length} images in image_{n}");
            cameras.Add(new KittiCamera(n, frames, stamps[..frames.Length], p));
        }
        if (cameras.Count == 0) throw new CliException($"{folder}: no image_0 … image_3 folders (odometry) or image_00 … image_03 (raw): not a KITTI sequence");
        var statics = Rig(projections);
        if (calib.TryGetValue("Tr", out var tr))
        {
            if (tr.Length != 12) throw new CliException($"{calibPath}: Tr has {tr.Length} numbers, expected 12 (3×4 velodyne → camera_0)");
            statics.Add(new KittiStaticTransform("camera_0", "velo_link", PoseFrom3x4(tr)));
        }
        var posesPath = posesOption ?? Directory.GetFiles(folder, "poses*.txt").Order(StringComparer.Ordinal).FirstOrDefault();
        return new KittiSequence("odometry", cameras, statics, posesPath is null ? null : ReadPoses(posesPath), posesPath);
    }

    /// <summary>
    /// Raw (synced) layout: image_0N/data/*.png with image_0N/timestamps.txt (<c>yyyy-MM-dd HH:mm:ss.fffffffff</c>,
    /// taken as UTC), calib_cam_to_cam.txt (P_rect_0N, R_rect_00) and optional calib_velo_to_cam.txt (R, T) in the
    /// drive folder or its parent (the date folder). oxts poses are not converted; --poses takes an odometry-style file.
    /// </summary>
    private static KittiSequence LoadRaw(string folder, string? posesOption)
    {
        string Find(string name) =>
            new[] { Path.Combine(folder, name), Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd('/')) ?? folder, name) }
                .FirstOrDefault(File.Exists) ?? "";
        var camToCam = Find("calib_cam_to_cam.txt");
        if (camToCam.Length == 0) throw new CliException($"{folder}: calib_cam_to_cam.txt not found in the drive folder or its parent");
        var calib = ReadKeyedNumbers(camToCam);
        var projections = Enumerable.Range(0, 4).Where(n => calib.ContainsKey($"P_rect_0{n}"))
            .ToDictionary(n => n, n => Projection(calib[$"P_rect_0{n}"], camToCam, $"P_rect_0{n}"));
        var cameras = new List<KittiCamera>();
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
            cameras.Add(new KittiCamera(n, frames, stamps[..frames.Length], p));
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
            statics.Add(new KittiStaticTransform("camera_0", "velo_link", PoseFrom3x4(
                [rot[0], rot[1], rot[2], trans[0], rot[3], rot[4], rot[5], trans[1], rot[6], rot[7], rot[8], trans[2]])));
        }
        return new KittiSequence("raw", cameras, statics, posesOption is null ? null : ReadPoses(posesOption), posesOption);
    }

    private static List<KittiStaticTransform> Rig(Dictionary<int, double[]> projections) =>
        projections.Keys.Where(k => k != 0).Order()
            .Select(k => new KittiStaticTransform("camera_0", $"camera_{k}", new Transform(CameraOffset(projections[k]), Quaternion.Identity)))
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

    /// <summary>
    /// Origin of camera N in camera_0's (rectified) frame. P_N = K [I | t] with t = K⁻¹ · P_N[:,3], and a point X in
    /// camera_0 coordinates is X + t in camera N's, so camera N sits at −t.
    /// </summary>
    private static Vector3 CameraOffset(double[] p)
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
    private static Quaternion FromRotationMatrix(double m00, double m01, double m02, double m10, double m11, double m12, double m20, double m21, double m22)
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
