using System.Diagnostics;
using System.Globalization;
using DepthNode.CommandLine;
using DepthNode.Imaging;
using DepthNode.Synthetic;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode bench --decoders`: the managed JPEG/PNG decoder (the linux-arm64 path) against OpenCV's, on the same
/// frames, interleaved frame by frame in one run (the order alternating), so the result is read as a ratio.
/// Frames: every PNG/JPEG of <c>--images</c> (re-encoded by OpenCV as JPEG quality 95 and PNG), else the rendered street.
/// </summary>
internal static class DecoderBench
{
    public static int Run(int frames, int warmup, string? images, TextWriter stdout)
    {
        if (!OpenCvNative.IsLoaded) throw new CliException($"bench --decoders compares with OpenCV, whose native library did not load ({OpenCvNative.Detail})");
        var sources = Sources(images);
        using var openCv = new CompressedImageDecoder(CompressedImageBackend.OpenCv);
        using var managed = new CompressedImageDecoder(CompressedImageBackend.Managed);
        var size = $"{sources[0].Cols}x{sources[0].Rows}";
        stdout.WriteLine($"decoders on {sources.Count} frames {(images is null ? "of the rendered street" : "from " + images)} ({size}), {frames} timed after {warmup} warm-up");
        foreach (var codec in new[] { "jpeg", "png" })
        {
            var encoded = sources.Select(m => { Cv2.ImEncode(codec == "jpeg" ? ".jpg" : ".png", m, out var b); return b; }).ToArray();
            var times = new[] { new double[frames], new double[frames] };
            var cpu = new[] { new double[frames], new double[frames] };
            var bytes = new long[2];
            var decoders = new[] { openCv, managed };
            for (var i = -warmup; i < frames; i++)
            {
                var data = encoded[(i + warmup) % encoded.Length];
                for (var k = 0; k < 2; k++)
                {
                    var d = (i + k) & 1; // alternate which decoder goes first
                    var allocated = GC.GetAllocatedBytesForCurrentThread();
                    var cpu0 = ThreadCpu.Milliseconds();
                    var t0 = Stopwatch.GetTimestamp();
                    decoders[d].Decode(codec, data);
                    var ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    var cpuMs = ThreadCpu.Milliseconds() - cpu0;
                    if (i < 0) continue;
                    times[d][i] = ms;
                    cpu[d][i] = cpuMs;
                    bytes[d] += GC.GetAllocatedBytesForCurrentThread() - allocated;
                }
            }
            var median = times.Select(t => t.Order().ElementAt(frames / 2)).ToArray();
            var p90 = times.Select(t => t.Order().ElementAt(frames * 9 / 10)).ToArray();
            var cpuMedian = cpu.Select(t => t.Order().ElementAt(frames / 2)).ToArray();
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{codec} ({encoded.Average(e => e.Length) / 1024:0} KiB): wall median opencv {median[0]:0.00} ms (p90 {p90[0]:0.00}), " +
                $"managed {median[1]:0.00} ms (p90 {p90[1]:0.00}), managed / opencv = {median[1] / median[0]:0.00}x; " +
                $"thread CPU median opencv {cpuMedian[0]:0.00} ms, managed {cpuMedian[1]:0.00} ms, managed / opencv = {cpuMedian[1] / cpuMedian[0]:0.00}x; " +
                $"managed bytes allocated per frame: opencv {bytes[0] / frames}, managed {bytes[1] / frames}"));
        }
        foreach (var m in sources) m.Dispose();
        return 0;
    }

    private static List<Mat> Sources(string? images)
    {
        if (images is null)
        {
            var rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
            var depth = new float[StreetScene.Width * StreetScene.Height];
            return Enumerable.Range(0, 5).Select(f =>
            {
                StreetScene.Render(f, rgb, depth);
                using var m = Mat.FromPixelData(StreetScene.Height, StreetScene.Width, MatType.CV_8UC3, rgb);
                return m.CvtColor(ColorConversionCodes.RGB2BGR);
            }).ToList();
        }
        if (!Directory.Exists(images)) throw new CliException($"--images {images} is not a folder");
        var files = Directory.GetFiles(images).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).Order().ToArray();
        if (files.Length == 0) throw new CliException($"--images {images} holds no .png or .jpg");
        return files.Select(f => Cv2.ImRead(f, ImreadModes.Color)).ToList();
    }
}
