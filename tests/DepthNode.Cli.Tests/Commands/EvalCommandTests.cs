using System.Text.Json;
using DepthNode.Models;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>
/// `depthnode eval` against an independent computation written here: OpenCV pre-processing (CvtColor, Resize
/// INTER_AREA, ConvertTo) → ONNX Runtime's plain Run API → OpenCV INTER_LINEAR back to the ground-truth size → metrics
/// and alignment written out naively (the scale_shift fit is solved by OpenCV's SVD least squares). None of
/// DepthNode's pre-processing, model wrapper, resampler, aligner or metric code is used by the reference.
/// </summary>
public class EvalCommandTests
{
    private sealed record FrameScore(double AbsRel, double Delta1, double Rmse, int Valid);

    private static JsonDocument Eval(params string[] args)
    {
        var (code, stdout, stderr) = CliRunner.Run(["eval", .. args, "--json", "--threads", "1"]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout);
    }

    private static FrameScore Reference(string rgbPath, string depthPath, double unit, double max, string align, InterpolationFlags resize = InterpolationFlags.Area)
    {
        using var raw = Cv2.ImRead(depthPath, ImreadModes.Unchanged);
        raw.GetArray(out ushort[] gtRaw);
        var pred = FastDepthReference.Prediction(rgbPath, raw.Cols, raw.Rows, resize).Select(v => (double)v).ToArray();
        var idx = Enumerable.Range(0, gtRaw.Length).Where(i => gtRaw[i] * unit > 1e-3 && gtRaw[i] * unit < max).ToArray();
        var g = idx.Select(i => gtRaw[i] * unit).ToArray();
        var p = idx.Select(i => pred[i]).ToArray();
        if (align == "scale")
        {
            var s = p.Zip(g, (a, b) => a * b).Sum() / p.Sum(a => a * a);
            p = p.Select(a => a * s).ToArray();
        }
        else if (align == "scale_shift")
        {
            // Disparity space: [1/p 1]·[s t]ᵀ ≈ 1/g, solved by OpenCV (SVD).
            using var a = new Mat(p.Length, 2, MatType.CV_64FC1);
            using var b = new Mat(p.Length, 1, MatType.CV_64FC1);
            for (var i = 0; i < p.Length; i++) { a.Set(i, 0, 1 / p[i]); a.Set(i, 1, 1.0); b.Set(i, 0, 1 / g[i]); }
            using var st = new Mat();
            Cv2.Solve(a, b, st, DecompTypes.SVD);
            double s = st.At<double>(0), t = st.At<double>(1);
            p = p.Select(v => 1 / Math.Max(s / v + t, 1e-3)).ToArray();
        }
        p = p.Select(v => Math.Clamp(v, 1e-3, max)).ToArray();
        var absRel = p.Zip(g, (a, b) => Math.Abs(a - b) / b).Average();
        var delta1 = p.Zip(g, (a, b) => Math.Max(a / b, b / a) < 1.25 ? 1.0 : 0.0).Average();
        var rmse = Math.Sqrt(p.Zip(g, (a, b) => (a - b) * (a - b)).Average());
        return new FrameScore(absRel, delta1, rmse, g.Length);
    }

    private static void AssertAgrees(JsonDocument doc, IReadOnlyList<(string Name, FrameScore Score)> reference, string align)
    {
        var root = doc.RootElement;
        Assert.Equal("fastdepth_7", root.GetProperty("model").GetString());
        Assert.Equal(align, root.GetProperty("alignment").GetString());
        var frames = root.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(reference.Count, frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            var (name, r) = reference[i];
            Assert.Equal(name, f.GetProperty("name").GetString());
            Assert.Equal(r.Valid, f.GetProperty("valid_pixels").GetInt32());
            // Our area resize and OpenCV's differ only in float rounding (< 1e-5 in the tensor): AbsRel and RMSE agree
            // to 1e-4 relative, and at most 1e-4 of the pixels (~30) near the 1.25 ratio may flip in δ1.
            Assert.True(Math.Abs(f.GetProperty("abs_rel").GetDouble() - r.AbsRel) < 1e-4 * r.AbsRel, $"{name} abs_rel {f.GetProperty("abs_rel")} vs {r.AbsRel}");
            Assert.True(Math.Abs(f.GetProperty("delta1").GetDouble() - r.Delta1) < 1e-4, $"{name} delta1 {f.GetProperty("delta1")} vs {r.Delta1}");
            Assert.True(Math.Abs(f.GetProperty("rmse").GetDouble() - r.Rmse) < 1e-4 * r.Rmse, $"{name} rmse {f.GetProperty("rmse")} vs {r.Rmse}");
        }
        var mean = root.GetProperty("mean");
        Assert.Equal(reference.Average(r => r.Score.AbsRel), mean.GetProperty("abs_rel").GetDouble(), 1e-4 * reference.Average(r => r.Score.AbsRel));
        Assert.Equal(reference.Average(r => r.Score.Delta1), mean.GetProperty("delta1").GetDouble(), 1e-4);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("scale")]
    [InlineData("scale_shift")]
    public void Nyu_AgreesWithIndependentReference(string align)
    {
        var folder = SharedData.Path("data", "nyu");
        using var doc = Eval("--data", folder, "--align", align);
        Assert.Equal("nyu", doc.RootElement.GetProperty("dataset").GetString());
        // All four NYU frames of shared/data/README.md: three rgb_*.jpg with sync_depth_*.png, and the UniDepth demo pair.
        var reference = new[] { "00000", "00050", "00100" }
            .Select(id => (id, Reference(Path.Combine(folder, $"rgb_{id}.jpg"), Path.Combine(folder, $"sync_depth_{id}.png"), 1e-3, 10, align)))
            .Append(("unidepth", Reference(Path.Combine(folder, "unidepth_rgb.png"), Path.Combine(folder, "unidepth_depth.png"), 1e-3, 10, align))).ToList();
        AssertAgrees(doc, reference, align);
        // Sanity against the literature: FastDepth on NYU reports δ1 0.771 (AbsRel ~0.16) at its own crop; these
        // frames measure better without alignment (see README).
        var mean = doc.RootElement.GetProperty("mean");
        Assert.InRange(mean.GetProperty("delta1").GetDouble(), 0.7, 0.99);
        Assert.InRange(mean.GetProperty("abs_rel").GetDouble(), 0.03, 0.2);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("scale")]
    [InlineData("scale_shift")]
    public void Sun3d_AgreesWithIndependentReference(string align)
    {
        var folder = SharedData.Path("data", "sun3d_fragment1");
        using var doc = Eval("--data", folder, "--align", align);
        Assert.Equal("sun3d", doc.RootElement.GetProperty("dataset").GetString());
        // Every fifth of the 50 frames keeps the test short; the command scores all 50.
        var ids = Enumerable.Range(935, 50).Select(i => $"frame-{i:000000}").ToList();
        var all = doc.RootElement.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToList();
        Assert.Equal(ids, all);
        var some = ids.Where((_, i) => i % 5 == 0).ToList();
        var reference = some.Select(id => (id, Reference(Path.Combine(folder, id + ".color.png"), Path.Combine(folder, id + ".depth.png"), 1e-3, 10, align))).ToList();
        var frames = doc.RootElement.GetProperty("frames").EnumerateArray().Where((_, i) => i % 5 == 0).ToList();
        for (var i = 0; i < some.Count; i++)
        {
            var r = reference[i].Item2;
            Assert.Equal(r.Valid, frames[i].GetProperty("valid_pixels").GetInt32());
            Assert.True(Math.Abs(frames[i].GetProperty("abs_rel").GetDouble() - r.AbsRel) < 1e-4 * r.AbsRel, $"{some[i]} {frames[i]} vs {r}");
            Assert.True(Math.Abs(frames[i].GetProperty("delta1").GetDouble() - r.Delta1) < 1e-4, $"{some[i]} {frames[i]} vs {r}");
            Assert.True(Math.Abs(frames[i].GetProperty("rmse").GetDouble() - r.Rmse) < 1e-4 * r.Rmse, $"{some[i]} {frames[i]} vs {r}");
        }
        var mean = doc.RootElement.GetProperty("mean");
        Assert.Equal(frames.Count, some.Count);
        Assert.Equal(doc.RootElement.GetProperty("frames").EnumerateArray().Average(f => f.GetProperty("abs_rel").GetDouble()), mean.GetProperty("abs_rel").GetDouble(), 1e-12);
        Assert.InRange(mean.GetProperty("delta1").GetDouble(), 0.4, 0.99);
    }

    [Fact]
    public void Nyu_LinearResize_AgreesWithAnInterLinearReference()
    {
        var folder = SharedData.Path("data", "nyu");
        using var doc = Eval("--data", folder, "--resize", "linear");
        var reference = new[] { "00000", "00050", "00100" }
            .Select(id => (id, Reference(Path.Combine(folder, $"rgb_{id}.jpg"), Path.Combine(folder, $"sync_depth_{id}.png"), 1e-3, 10, "none", InterpolationFlags.Linear)))
            .Append(("unidepth", Reference(Path.Combine(folder, "unidepth_rgb.png"), Path.Combine(folder, "unidepth_depth.png"), 1e-3, 10, "none", InterpolationFlags.Linear))).ToList();
        AssertAgrees(doc, reference, "none");
    }

    [Fact]
    public void Json_HasExactlyTheDocumentedShape()
    {
        using var doc = Eval("--data", SharedData.Path("data", "nyu"));
        var root = doc.RootElement;
        Assert.Equal(["model", "dataset", "alignment", "frames", "not_scored", "mean"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["name", "abs_rel", "delta1", "rmse", "valid_pixels", "scale", "shift"], root.GetProperty("frames")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["abs_rel", "delta1", "rmse"], root.GetProperty("mean").EnumerateObject().Select(p => p.Name));
        Assert.Equal("none", root.GetProperty("alignment").GetString());
    }

    private static int KittiValidPixels(string name)
    {
        using var raw = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "depth", name + ".png"), ImreadModes.Unchanged);
        raw.GetArray(out ushort[] v);
        return v.Count(x => x / 256.0 > 1e-3 && x / 256.0 < 80);
    }

    private static readonly string KittiFolder = SharedData.Path("data", "kitti", "raw_depth_gt");

    /// <summary>
    /// A metric-source frame by the reference path: the OpenCV + ONNX Runtime prediction at the ground-truth size, the
    /// command's reported scale and shift applied (depth = s·p + t; FastDepth outputs depth), clipped to the cap.
    /// <paramref name="inputEvery"/> &gt; 0 leaves out every N-th valid pixel (the sparse input), as the command does.
    /// Also returns the prediction and ground truth at the valid pixels and at the input pixels.
    /// </summary>
    private static (FrameScore Score, double[] P, double[] G, double[] InputP, double[] InputG) KittiReference(string name, double scale, double shift, int inputEvery = 0)
    {
        using var raw = Cv2.ImRead(Path.Combine(KittiFolder, "depth", name + ".png"), ImreadModes.Unchanged);
        raw.GetArray(out ushort[] gtRaw);
        var pred = FastDepthReference.Prediction(Path.Combine(KittiFolder, "rgb", name + ".png"), raw.Cols, raw.Rows, InterpolationFlags.Area);
        var valid = Enumerable.Range(0, gtRaw.Length).Where(i => gtRaw[i] / 256.0 > 1e-3 && gtRaw[i] / 256.0 < 80).ToArray();
        var input = inputEvery > 0 ? valid.Where((_, k) => k % inputEvery == 0).ToArray() : [];
        var scored = valid.Except(input).ToArray();
        var g = scored.Select(i => gtRaw[i] / 256.0).ToArray();
        var p = scored.Select(i => Math.Clamp(scale * pred[i] + shift, 1e-3, 80)).ToArray();
        var absRel = p.Zip(g, (a, b) => Math.Abs(a - b) / b).Average();
        var delta1 = p.Zip(g, (a, b) => Math.Max(a / b, b / a) < 1.25 ? 1.0 : 0.0).Average();
        var rmse = Math.Sqrt(p.Zip(g, (a, b) => (a - b) * (a - b)).Average());
        return (new FrameScore(absRel, delta1, rmse, g.Length), scored.Select(i => (double)pred[i]).ToArray(), g,
            input.Select(i => (double)pred[i]).ToArray(), input.Select(i => gtRaw[i] / 256.0).ToArray());
    }

    private static void AssertFrameAgrees(JsonElement f, FrameScore r)
    {
        var name = f.GetProperty("name").GetString();
        Assert.Equal(r.Valid, f.GetProperty("valid_pixels").GetInt32());
        Assert.True(Math.Abs(f.GetProperty("abs_rel").GetDouble() - r.AbsRel) < 1e-4 * r.AbsRel, $"{name} abs_rel {f.GetProperty("abs_rel")} vs {r.AbsRel}");
        Assert.True(Math.Abs(f.GetProperty("delta1").GetDouble() - r.Delta1) < 1e-4, $"{name} delta1 {f.GetProperty("delta1")} vs {r.Delta1}");
        Assert.True(Math.Abs(f.GetProperty("rmse").GetDouble() - r.Rmse) < 1e-4 * r.Rmse, $"{name} rmse {f.GetProperty("rmse")} vs {r.Rmse}");
    }

    [Fact]
    public void Kitti_GroundPlane_ScoresAgreeWithTheReferenceForTheReportedFit()
    {
        using var doc = Eval("--data", KittiFolder, "--metric-source", "ground_plane", "--camera-height", "1.65");
        var root = doc.RootElement;
        Assert.Equal("kitti", root.GetProperty("dataset").GetString());
        Assert.Equal("ground_plane", root.GetProperty("alignment").GetString());
        var frames = root.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(3, frames.Count);
        foreach (var f in frames)
        {
            var (scale, shift) = (f.GetProperty("scale").GetDouble(), f.GetProperty("shift").GetDouble());
            Assert.Equal(0, shift); // a metric network: the ground plane fits scale only
            var (score, _, _, _, _) = KittiReference(f.GetProperty("name").GetString()!, scale, shift);
            AssertFrameAgrees(f, score);
        }
        // The fit itself is checked against exact synthetic roads in MetricScaleTests; an indoor network's road is not
        // a plane, so here the scales are pinned to what this data measured (README: AbsRel 0.383, δ1 0.345), tightly
        // enough that any change to the fit shows.
        Assert.Equal([3.20929, 7.37486, 6.3158], frames.Select(f => Math.Round(f.GetProperty("scale").GetDouble(), 5)));
        var mean = root.GetProperty("mean");
        Assert.Equal(0.3829, mean.GetProperty("abs_rel").GetDouble(), 5e-4);
        Assert.Equal(0.3446, mean.GetProperty("delta1").GetDouble(), 5e-4);
    }

    [Fact]
    public void Kitti_SparseDepth_ScoresOnlyHeldBackPointsAndAgreesWithTheReference()
    {
        using var doc = Eval("--data", KittiFolder, "--metric-source", "sparse_depth", "--sparse-every", "20");
        foreach (var f in doc.RootElement.GetProperty("frames").EnumerateArray())
        {
            var name = f.GetProperty("name").GetString()!;
            var (scale, shift) = (f.GetProperty("scale").GetDouble(), f.GetProperty("shift").GetDouble());
            Assert.Equal(0, shift); // a metric network: sparse depth fits scale only
            var (score, _, _, inputP, inputG) = KittiReference(name, scale, shift, inputEvery: 20);
            // Valid points 0, 20, 40, ... are the input: ceil(valid / 20) of them; the rest are scored.
            var valid = KittiValidPixels(name);
            Assert.Equal(valid - (valid + 19) / 20, score.Valid);
            AssertFrameAgrees(f, score);
            // The robust fit keeps only the points on its line (under a fifth of them here: an indoor network outdoors),
            // so its scale lies within the spread of the input points' truth/prediction ratios, not at their median.
            var ratios = inputG.Zip(inputP, (g, p) => g / p).Order().ToArray();
            Assert.InRange(scale, ratios[ratios.Length / 4], ratios[3 * ratios.Length / 4]);
        }
        // Pinned to what this data measured (README: AbsRel 0.357, δ1 0.350).
        var mean = doc.RootElement.GetProperty("mean");
        Assert.Equal(0.3571, mean.GetProperty("abs_rel").GetDouble(), 5e-4);
        Assert.Equal(0.3503, mean.GetProperty("delta1").GetDouble(), 5e-4);
    }

    [Fact]
    public void GroundTruthOfAnotherSize_Refused_NoFrameWithoutValidPixelsInTheTable()
    {
        var dir = Directory.CreateTempSubdirectory("depthnode-eval-").FullName;
        try
        {
            // NYU layout: a real frame whose ground truth is halved, then a frame whose ground truth has no valid pixel.
            var nyu = SharedData.Path("data", "nyu");
            File.Copy(Path.Combine(nyu, "rgb_00000.jpg"), Path.Combine(dir, "rgb_00000.jpg"));
            using (var gt = Cv2.ImRead(Path.Combine(nyu, "sync_depth_00000.png"), ImreadModes.Unchanged))
            using (var half = gt.Resize(new Size(320, 240), 0, 0, InterpolationFlags.Nearest))
                Cv2.ImWrite(Path.Combine(dir, "sync_depth_00000.png"), half);
            var (code, stdout, stderr) = CliRunner.Run("eval", "--data", dir, "--threads", "1");
            Assert.Equal(1, code);
            Assert.Equal($"depthnode eval: {Path.Combine(dir, "sync_depth_00000.png")}: ground truth is 320x240 but {Path.Combine(dir, "rgb_00000.jpg")} is 640x480; " +
                "eval does not resample ground truth (resize one of them to the other's size first)", stderr.Trim().Split('\n')[^1]);
            Assert.Equal("", stdout);

            File.Copy(Path.Combine(nyu, "sync_depth_00000.png"), Path.Combine(dir, "sync_depth_00000.png"), overwrite: true);
            File.Copy(Path.Combine(nyu, "rgb_00050.jpg"), Path.Combine(dir, "rgb_00050.jpg"));
            using (var empty = new Mat(480, 640, MatType.CV_16UC1, Scalar.All(0))) Cv2.ImWrite(Path.Combine(dir, "sync_depth_00050.png"), empty);
            using var doc = Eval("--data", dir);
            var frames = doc.RootElement.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
            Assert.Equal(["00000"], frames);
            var notScored = Assert.Single(doc.RootElement.GetProperty("not_scored").EnumerateArray());
            Assert.Equal("00050", notScored.GetProperty("name").GetString());
            Assert.Equal("no ground-truth pixel in (0.001, 10) m", notScored.GetProperty("reason").GetString());
            var mean = doc.RootElement.GetProperty("mean");
            Assert.Equal(doc.RootElement.GetProperty("frames")[0].GetProperty("abs_rel").GetDouble(), mean.GetProperty("abs_rel").GetDouble());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(new[] { "--data", "/nonexistent" }, "no such folder")]
    [InlineData(new[] { "--data", "@shared/data/7scenes_redkitchen" }, "not registered")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--align", "median" }, "expected none, scale or scale_shift")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--align", "scale", "--metric-source", "ground_plane" }, "drop --align")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--metric-source", "lidar" }, "expected ground_plane or sparse_depth")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--model", "/nonexistent/x.onnx" }, "/nonexistent/x.yaml")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--frobnicate" }, "unknown option --frobnicate")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--model", "@repo/config/models/distill_any_depth_small.yaml" }, "outputs RelativeDisparity, not metres")]
    [InlineData(new[] { "--data", "@shared/data/nyu", "--model", "@repo/config/models/distill_any_depth_small.yaml", "--align", "scale_shift" }, "distill_any_depth_small.onnx not found")]
    public void BadArguments_OneLineError(string[] args, string message)
    {
        var resolved = args.Select(a => a.StartsWith("@shared/", StringComparison.Ordinal) ? Path.Combine(SharedData.Root, a[8..])
            : a.StartsWith("@repo/", StringComparison.Ordinal) ? Path.Combine(SharedData.RepoRoot(), a[6..]) : a).ToArray();
        var (code, _, stderr) = CliRunner.Run(["eval", .. resolved]);
        Assert.NotEqual(0, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
