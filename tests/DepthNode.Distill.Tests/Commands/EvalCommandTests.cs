using System.Text.Json;
using DepthNode.CommandLine;
using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Tests.Evaluation;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Commands;

/// <summary>
/// `depth-distill eval` on real SUN3D frames with the real FastDepth: the numbers are `depthnode eval`'s (run here
/// through its own command) and agree with <see cref="GroundTruthReference"/>, which uses no DepthNode code.
/// Loading a checkpoint seeds libtorch's generator (the architecture is built from seed 0 first), hence the collection.
/// </summary>
[Collection(GlobalTorchGenerator.Name)]
public sealed class EvalCommandTests : IDisposable
{
    private static readonly string Sun3d = SharedData.Path("data", "sun3d_fragment1");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("distill-eval-");

    private readonly Lazy<string> _subset;

    public EvalCommandTests() => _subset = new(() =>
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.FullName, "sun3d_every10")).FullName;
        foreach (var id in Every10th)
            foreach (var suffix in new[] { ".color.png", ".depth.png" })
                File.CreateSymbolicLink(Path.Combine(folder, id + suffix), Path.Combine(Sun3d, id + suffix));
        return folder;
    });

    /// <summary>Frames 0, 10, … 40 of the 50 (--stride 10).</summary>
    private static readonly string[] Every10th = [.. new[] { 935, 945, 955, 965, 975 }.Select(i => $"frame-{i:000000}")];

    public void Dispose() => _dir.Delete(recursive: true);

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);

    private static (int Code, string Stdout, string Stderr) Distill(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static JsonDocument Json(params string[] args)
    {
        var (code, stdout, stderr) = Distill(["eval", .. args, "--json", "--threads", "1"]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout);
    }

    private static JsonDocument DepthnodeEval(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = new CommandRunner("depthnode", Cli.Program.Commands).Run(["eval", .. args, "--json", "--threads", "1"], o, e);
        Assert.True(code == 0, e.ToString());
        return JsonDocument.Parse(o.ToString());
    }

    [Fact]
    public void Eval_FastDepthOnSun3d_SameNumbersAsDepthnodeEvalAndTheIndependentReference()
    {
        using var doc = Json("--model", CheckoutModels.DefaultModelPath, "--data", Sun3d, "--stride", "10");
        var root = doc.RootElement;
        Assert.Equal("sun3d", root.GetProperty("dataset").GetString());
        var model = Assert.Single(root.GetProperty("models").EnumerateArray());
        Assert.Equal("fastdepth_7", model.GetProperty("name").GetString());
        var results = model.GetProperty("results").EnumerateArray().ToList();
        // --align both: unaligned metres and scale-shift aligned.
        Assert.Equal(["none", "scale_shift"], results.Select(r => r.GetProperty("alignment").GetString()));
        var ids = Every10th;
        foreach (var result in results)
        {
            var align = result.GetProperty("alignment").GetString()!;
            var frames = result.GetProperty("frames").EnumerateArray().ToList();
            Assert.Equal(ids, frames.Select(f => f.GetProperty("name").GetString()));

            // depthnode eval on a folder of just those frames prints, to the last bit, the same frames and mean.
            using var node = DepthnodeEval("--data", _subset.Value, "--align", align);
            Assert.Equal(Compact(node.RootElement.GetProperty("frames")), Compact(result.GetProperty("frames")));
            Assert.Equal(Compact(node.RootElement.GetProperty("mean")), Compact(result.GetProperty("mean")));

            for (var i = 0; i < ids.Length; i++)
            {
                var r = GroundTruthReference.Sun3d(Sun3d, ids[i], align);
                var f = frames[i];
                Assert.Equal(r.Valid, f.GetProperty("valid_pixels").GetInt32());
                // OpenCV's area resize and ours differ only in float rounding: 1e-4 relative, a few δ1 pixels.
                Assert.True(Math.Abs(f.GetProperty("abs_rel").GetDouble() - r.AbsRel) < 1e-4 * r.AbsRel, $"{ids[i]} {align} abs_rel {f} vs {r}");
                Assert.True(Math.Abs(f.GetProperty("delta1").GetDouble() - r.Delta1) < 1e-4, $"{ids[i]} {align} delta1 {f} vs {r}");
                Assert.True(Math.Abs(f.GetProperty("rmse").GetDouble() - r.Rmse) < 1e-4 * r.Rmse, $"{ids[i]} {align} rmse {f} vs {r}");
            }
            var mean = result.GetProperty("mean");
            Assert.Equal(frames.Average(f => f.GetProperty("abs_rel").GetDouble()), mean.GetProperty("abs_rel").GetDouble(), 1e-12);
            Assert.Equal(frames.Average(f => f.GetProperty("delta1").GetDouble()), mean.GetProperty("delta1").GetDouble(), 1e-12);
        }
    }

    [Fact]
    public void Eval_OnnxAndItsTorchSharpCheckpoint_OneTableRowPerModelAndAlignment_SameScores()
    {
        // The FastDepth weights as a TorchSharp checkpoint (student.safetensors in a folder, as training writes them).
        var checkpoint = Directory.CreateDirectory(Path.Combine(_dir.FullName, "step-00000007")).FullName;
        using (var net = new FastDepthArchitecture().Load(CheckoutModels.DefaultModelPath))
            CheckpointFile.WriteStateDict(Path.Combine(checkpoint, "student.safetensors"), net);

        var (code, stdout, stderr) = Distill("eval", "--model", CheckoutModels.DefaultModelPath, "--model", checkpoint, "--arch", "fastdepth",
            "--data", Sun3d, "--stride", "25", "--threads", "1");

        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal($"sun3d {Sun3d}: 2 of 2 frames scored (mean over frames)", lines[0]);
        Assert.Matches(@"^model +output +align +abs_rel +delta1 +rmse$", lines[1]);
        var rows = lines[2..].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal([(CheckoutModels.DefaultModelPath, "none"), (CheckoutModels.DefaultModelPath, "scale_shift"), (checkpoint, "none"), (checkpoint, "scale_shift")],
            rows.Select(r => (r[0], r[2])));
        Assert.All(rows, r => Assert.Equal("MetricDepth", r[1]));
        // TorchSharp's FastDepth equals the ONNX network to ~1e-4: the printed means (4 decimals) agree within a unit.
        for (var k = 0; k < 2; k++)
            for (var c = 3; c < 6; c++)
                Assert.True(Math.Abs(double.Parse(rows[k][c], System.Globalization.CultureInfo.InvariantCulture) - double.Parse(rows[k + 2][c], System.Globalization.CultureInfo.InvariantCulture)) <= 1.0001e-4,
                    $"{lines[k + 2]} vs {lines[k + 4]}");
        var reference = GroundTruthReference.Sun3d(Sun3d, "frame-000935", "none").AbsRel / 2 + GroundTruthReference.Sun3d(Sun3d, "frame-000960", "none").AbsRel / 2;
        Assert.Equal(reference, double.Parse(rows[0][3], System.Globalization.CultureInfo.InvariantCulture), 1e-4);
    }

    [Fact]
    public void Eval_TrainingRunFolder_ScoresItsStudentOnnx()
    {
        var run = Directory.CreateDirectory(Path.Combine(_dir.FullName, "run")).FullName;
        File.Copy(CheckoutModels.DefaultModelPath, Path.Combine(run, "student.onnx"));
        File.Copy(Path.ChangeExtension(CheckoutModels.DefaultModelPath, ".yaml"), Path.Combine(run, "student.yaml"));
        File.WriteAllText(Path.Combine(run, "student.yaml"), File.ReadAllText(Path.Combine(run, "student.yaml")).Replace("file: fastdepth_7.onnx", "file: student.onnx"));

        using var viaRun = Json("--run", run, "--data", Sun3d, "--stride", "25", "--align", "scale_shift");
        using var viaModel = Json("--model", CheckoutModels.DefaultModelPath, "--data", Sun3d, "--stride", "25", "--align", "scale_shift");

        var a = Assert.Single(viaRun.RootElement.GetProperty("models").EnumerateArray());
        Assert.Equal(run, a.GetProperty("source").GetString());
        var b = viaModel.RootElement.GetProperty("models")[0];
        Assert.Equal(b.GetProperty("results").GetRawText(), a.GetProperty("results").GetRawText());
    }

    [Theory]
    [InlineData(new[] { "--data", "@sun3d" }, "no network to score")]
    [InlineData(new[] { "--model", "@model", "--data", "/nonexistent" }, "--data /nonexistent: no such folder")]
    [InlineData(new[] { "--model", "@model", "--data", "@7scenes" }, "not registered to the colour image")]
    [InlineData(new[] { "--model", "@model", "--data", "@nogt" }, "has no ground truth")]
    [InlineData(new[] { "--model", "/nonexistent/x.onnx", "--data", "@sun3d" }, "--model /nonexistent/x.onnx: no such file or folder")]
    [InlineData(new[] { "--model", "@badonnx", "--data", "@sun3d" }, "model bad: no execution provider could run it")]
    [InlineData(new[] { "--model", "@dir", "--data", "@sun3d" }, "a TorchSharp checkpoint needs --arch")]
    [InlineData(new[] { "--run", "@dir", "--data", "@sun3d" }, "neither a student.onnx nor a checkpoint")]
    [InlineData(new[] { "--model", "@model", "--data", "@sun3d", "--align", "median" }, "expected none, scale, scale_shift or both")]
    [InlineData(new[] { "--model", "@model", "--data", "@sun3d", "--stride", "0" }, "--stride must be an integer >= 1")]
    [InlineData(new[] { "--model", "@model", "--data", "@sun3d", "--arch", "resnet" }, "unknown architecture 'resnet'")]
    public void Eval_BadInput_OneLineErrorAndNonZeroExit(string[] args, string message)
    {
        var nogt = Directory.CreateDirectory(Path.Combine(_dir.FullName, "nogt")).FullName;
        File.Copy(Path.Combine(Sun3d, "frame-000935.color.png"), Path.Combine(nogt, "frame-000935.color.png"));
        var dir = Directory.CreateDirectory(Path.Combine(_dir.FullName, "dir")).FullName;
        // A card without sha256 in front of a file that is not ONNX: ONNX Runtime itself refuses it.
        var bad = Path.Combine(_dir.FullName, "bad.onnx");
        File.WriteAllText(bad, "not a protobuf");
        using (var card = new StreamWriter(Path.ChangeExtension(bad, ".yaml"))) new FastDepthArchitecture().Card("bad", "bad.onnx").Write(card);
        var resolved = args.Select(a => a switch
        {
            "@sun3d" => Sun3d,
            "@7scenes" => SharedData.Path("data", "7scenes_redkitchen"),
            "@model" => CheckoutModels.DefaultModelPath,
            "@nogt" => nogt,
            "@dir" => dir,
            "@badonnx" => bad,
            _ => a,
        }).ToArray();

        var (code, stdout, stderr) = Distill(["eval", .. resolved]);

        // The error is the last line and the only one naming the command (ONNX Runtime's provider fallbacks come first).
        Assert.NotEqual(0, code);
        var lines = stderr.Trim().Split('\n');
        Assert.StartsWith("depth-distill eval: ", lines[^1]);
        Assert.Contains(message, lines[^1]);
        Assert.Single(lines, l => l.StartsWith("depth-distill", StringComparison.Ordinal));
        Assert.Equal("", stdout);
    }
}
