using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;
using DepthNode.Tests;
using OpenCvSharp;

// MCAP throughput: writes a bag of sensor_msgs/Image (1242x375 rgb8, made from the KITTI odometry 07 frames in
// ../shared) with our McapWriter, reads it back with our McapReader and with @mcap/core (Node), for none/zstd/lz4.
// usage: dotnet run -c Release --project benchmarks/DepthNode.McapBench -- [--gb 1.0] [--dir /tmp] [--shared ../shared]
var argsList = args.ToList();
string Arg(string name, string fallback) { var i = argsList.IndexOf("--" + name); return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback; }
var gb = double.Parse(Arg("gb", "1.0"), CultureInfo.InvariantCulture);
var dir = Arg("dir", Path.GetTempPath());
var repo = SharedData.RepoRoot();
var shared = Arg("shared", "") is { Length: > 0 } given ? given : SharedData.Root;
const int Width = 1242, Height = 375;

var frames = LoadFrames(Path.Combine(shared, "data", "kitti", "odometry_07", "image_0"));
var messageBytes = frames[0].Length;
var count = (int)Math.Ceiling(gb * 1e9 / messageBytes);
var nodeModules = EnsureMcapCore();
Console.WriteLine($"{count} messages x {messageBytes} bytes = {count * (double)messageBytes / 1e9:F2} GB per file; {Environment.ProcessorCount} cores; .NET {Environment.Version}; node {Run("node", "--version", null).Trim()}");
Console.WriteLine();
Console.WriteLine("| compression | file MB | write MB/s (ours) | read MB/s (ours) | read MB/s (@mcap/core) | read ratio ours/@mcap/core |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var compression in new[] { McapCompression.None, McapCompression.Zstd, McapCompression.Lz4 })
{
    var path = Path.Combine(dir, $"depthnode-mcap-bench-{compression.ToString().ToLowerInvariant()}.mcap");
    try
    {
        var sw = Stopwatch.StartNew();
        using (var w = McapWriter.Create(path, new McapWriterOptions { Compression = compression }))
        {
            var schema = w.AddSchema("sensor_msgs/msg/Image", "ros2msg", Encoding.UTF8.GetBytes("std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n"));
            var channel = w.AddChannel(schema, "/camera/image_raw", "cdr", new Dictionary<string, string> { ["offered_qos_profiles"] = "" });
            for (var i = 0; i < count; i++)
            {
                var t = 1_700_000_000_000_000_000UL + (ulong)i * 100_000_000UL;
                w.WriteMessage(channel, (uint)i, t, t, frames[i % frames.Count]);
            }
        }
        var writeSeconds = sw.Elapsed.TotalSeconds;
        var payload = count * (double)messageBytes;
        var fileMb = new FileInfo(path).Length / 1e6;

        // Both readers run on a warm page cache (the file was just written; the machine has the RAM for it).
        var ours = double.MaxValue;
        for (var rep = 0; rep < 2; rep++)
        {
            sw.Restart();
            long n = 0, bytes = 0;
            using (var r = McapReader.Open(path))
                foreach (var m in r.ReadMessages()) { n++; bytes += m.Data.Length; }
            ours = Math.Min(ours, sw.Elapsed.TotalSeconds);
            if (n != count || bytes != (long)payload) throw new InvalidOperationException($"read {n} messages / {bytes} bytes, wrote {count}");
        }
        var reference = double.MaxValue;
        for (var rep = 0; rep < 2; rep++)
        {
            var js = JsonDocument.Parse(Run("node", $"\"{Path.Combine(repo, "tests", "DepthNode.Core.Tests", "Bags", "McapReference", "mcap-check.js")}\" bench \"{path}\"", nodeModules)).RootElement;
            if (js.GetProperty("messages").GetInt64() != count) throw new InvalidOperationException("@mcap/core read a different message count");
            reference = Math.Min(reference, js.GetProperty("seconds").GetDouble());
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {compression.ToString().ToLowerInvariant()} | {fileMb:F0} | {payload / 1e6 / writeSeconds:F0} | {payload / 1e6 / ours:F0} | {payload / 1e6 / reference:F0} | {reference / ours:F2} |"));
    }
    finally { File.Delete(path); }
}

static List<byte[]> LoadFrames(string folder)
{
    // Each CDR message: a real grey KITTI frame resized to 1242x375, channels offset by a pixel so rgb8 is not
    // three identical planes (closer to real colour redundancy than copies would be).
    var files = Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).Take(40).ToList();
    if (files.Count == 0) throw new DirectoryNotFoundException($"no KITTI frames in {folder}");
    var list = new List<byte[]>();
    foreach (var f in files)
    {
        using var gray = Cv2.ImRead(f, ImreadModes.Grayscale);
        using var resized = new Mat();
        Cv2.Resize(gray, resized, new Size(Width, Height));
        var pixels = new byte[Width * Height * 3];
        resized.GetArray(out byte[] g);
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                var o = (y * Width + x) * 3;
                pixels[o] = g[y * Width + x];
                pixels[o + 1] = g[y * Width + Math.Min(x + 1, Width - 1)];
                pixels[o + 2] = g[y * Width + Math.Min(x + 2, Width - 1)];
            }
        list.Add(ImageCdr(pixels));
    }
    return list;
}

static byte[] ImageCdr(byte[] pixels)
{
    // sensor_msgs/Image in XCDR1 little endian; alignment counts from after the 4-byte encapsulation header.
    var ms = new MemoryStream();
    var w = new BinaryWriter(ms);
    w.Write([0, 1, 0, 0]);
    void Align(int n) { while ((ms.Position - 4) % n != 0) w.Write((byte)0); }
    void Str(string s) { Align(4); w.Write(s.Length + 1); w.Write(Encoding.ASCII.GetBytes(s)); w.Write((byte)0); }
    w.Write(1_700_000_000); w.Write(0u);
    Str("camera");
    Align(4); w.Write((uint)Height); w.Write((uint)Width);
    Str("rgb8");
    w.Write((byte)0);
    Align(4); w.Write((uint)(Width * 3));
    w.Write(pixels.Length); w.Write(pixels);
    return ms.ToArray();
}

static string EnsureMcapCore() => NodeJs.Install(Path.Combine(Path.GetTempPath(), "depthnode-mcap-reference"),
    "@mcap/core@2.2.2 @foxglove/wasm-zstd@1.0.1 @foxglove/wasm-lz4@1.0.2 @foxglove/crc@0.0.3");

static string Run(string file, string arguments, string? nodePath)
{
    var (code, stdout, stderr) = NodeJs.Run(file, arguments, nodePath: nodePath);
    if (code != 0) throw new InvalidOperationException($"{file} {arguments} failed: {stderr}");
    return stdout;
}
