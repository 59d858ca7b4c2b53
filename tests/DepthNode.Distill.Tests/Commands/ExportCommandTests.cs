using System.Diagnostics;
using DepthNode.Bags;
using DepthNode.Distill.Tests.Networks;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Commands;

/// <summary>`depth-distill export` end to end: files written, the node's own model loader and the `depthnode run`
/// command take the export as it is, and its numbers equal the original network's.</summary>
[Collection(GlobalTorchGenerator.Name)]
public sealed class ExportCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("export-command-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Code, string Stdout, string Stderr) Export(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(["export", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Run_FastDepthFromOnnxWithCheck_ThePerFrameNodeModelReproducesTheOriginal()
    {
        var onnx = Path.Combine(_dir.FullName, "student.onnx");

        var (code, stdout, stderr) = Export("--arch", "fastdepth", "--weights", CheckoutModels.DefaultModelPath, "--out", onnx, "--check");

        Assert.True(code == 0, stdout + stderr);
        Assert.Matches(@"check 224x224 \(2 images\): .* relative L2 \d\.\d\dE-0(0[5-9]|[1-9]\d) <= 1E-004 ok", stdout);
        Assert.DoesNotContain("RANDOM", stdout);
        // The node's per-frame binding (card found beside the .onnx, sha256 checked) on a real frame, against the original.
        var card = ModelCard.LoadFor(onnx);
        Assert.Equal(("student", "pixel_values", "predicted_depth"), (card.Name, card.Input.Name, card.Output.Name));
        Assert.Equal(ModelStore.Sha256Hex(onnx), card.Sha256);
        using var exported = new OnnxDepthModel(card);
        using var original = new OnnxDepthModel(FastDepthTests.OriginalCard);
        var a = RunOnNyuFrame(exported);
        var b = RunOnNyuFrame(original);
        Assert.Equal(b.Length, a.Length);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) < 1e-4f);
    }

    [Fact]
    public void Run_WithoutWeights_SaysSeededRandomLoudlyAndMarksTheCard()
    {
        var onnx = Path.Combine(_dir.FullName, "random.onnx");

        var (code, stdout, stderr) = Export("--arch", "fastdepth", "--out", onnx, "--seed", "3");

        Assert.Equal(0, code);
        Assert.Contains("WARNING: no --weights given: fastdepth has SEEDED RANDOM weights (seed 3)", stderr);
        Assert.Contains("SEEDED RANDOM", stdout);
        Assert.StartsWith("#", File.ReadAllText(Path.ChangeExtension(onnx, ".yaml")));
        Assert.Contains("SEEDED RANDOM weights (seed 3)", File.ReadAllText(Path.ChangeExtension(onnx, ".yaml")));
        // Seeded: the same seed writes the same weights.
        var again = Path.Combine(_dir.FullName, "random2.onnx");
        Assert.Equal(0, Export("--arch", "fastdepth", "--out", again, "--seed", "3").Code);
        var m1 = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        var m2 = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(again));
        Assert.Equal(m1.Graph.Initializer.Select(i => i.RawData), m2.Graph.Initializer.Select(i => i.RawData));
    }

    [Fact]
    public void Run_Fp16_WritesHalfWeightsWithFloat32IoAndReportsItsError()
    {
        var onnx = Path.Combine(_dir.FullName, "half.onnx");

        var (code, stdout, _) = Export("--arch", "fastdepth", "--weights", CheckoutModels.DefaultModelPath, "--out", onnx, "--fp16");

        Assert.True(code == 0, stdout);
        Assert.Matches(@"Float16: max \|diff\| .* relative L2 \d\.\d\dE-00[2-4] \(half-precision error\)", stdout);
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.All(model.Graph.Initializer.Where(i => i.Name.EndsWith("weight", StringComparison.Ordinal)), i => Assert.Equal(10, i.DataType));
        Assert.Equal(1, model.Graph.Input.Single().Type.TensorType.ElemType);
        Assert.Equal(1, model.Graph.Output.Single().Type.TensorType.ElemType);
    }

    [Theory]
    [InlineData(new[] { "--arch", "mobilevit", "--out", "x.onnx" }, "unknown architecture 'mobilevit'", 2)]
    [InlineData(new[] { "--arch", "fastdepth", "--out", "x.pt" }, "must end in .onnx", 2)]
    [InlineData(new[] { "--arch", "fastdepth", "--weights", "/nonexistent/w.onnx", "--out", "x.onnx" }, "--weights /nonexistent/w.onnx does not exist", 1)]
    [InlineData(new[] { "--arch", "fastdepth", "--out", "x.onnx", "--check", "--images", "/nonexistent" }, "--images /nonexistent is not a folder", 1)]
    [InlineData(new[] { "--arch", "dad-small", "--weights", "/nonexistent/w.safetensors", "--out", "x.onnx" }, "--weights /nonexistent/w.safetensors does not exist", 1)]
    public void Run_BadArguments_OneLineAndNonZeroExit(string[] args, string message, int exit)
    {
        var (code, _, stderr) = Export(args);

        Assert.Equal(exit, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("WARNING", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_WeightsThatAreNotFastDepth_RefusedNamingTheFile()
    {
        var notOnnx = Path.Combine(_dir.FullName, "notes.onnx");
        File.WriteAllText(notOnnx, "this is not a protobuf");

        var (code, _, stderr) = Export("--arch", "fastdepth", "--weights", notOnnx, "--out", Path.Combine(_dir.FullName, "y.onnx"));

        Assert.Equal(1, code);
        Assert.StartsWith($"depth-distill export: {notOnnx}", stderr);
    }

    [Fact]
    public void DepthnodeRun_ExportedFastDepthOnTheBuiltInStreet_DepthImagesEqualTheOriginals()
    {
        // The real `depthnode run` (built with the solution) over 3 rendered street frames, with the original network
        // and with our export of it: the recorded depth images must be the same bytes.
        var onnx = Path.Combine(_dir.FullName, "street_student.onnx");
        Assert.Equal(0, Export("--arch", "fastdepth", "--weights", CheckoutModels.DefaultModelPath, "--out", onnx).Code);

        var original = DepthImages(RunDepthnode(null, "original"));
        var exported = DepthImages(RunDepthnode(onnx, "exported"));

        Assert.Equal(3, original.Count);
        Assert.Equal(original.Count, exported.Count);
        for (var i = 0; i < original.Count; i++) Assert.True(original[i].AsSpan().SequenceEqual(exported[i]), $"depth image {i} differs");
    }

    private string RunDepthnode(string? model, string name)
    {
        var dll = Path.Combine(SharedData.RepoRoot(), "src", "DepthNode.Cli", "bin", new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name, "net10.0", "depthnode.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (build the solution)");
        var outDir = Path.Combine(_dir.FullName, name, "street-depth");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "run", "--out", outDir, "--frames", "3", "--previews", "0" }) start.ArgumentList.Add(a);
        if (model is not null) { start.ArgumentList.Add("--model"); start.ArgumentList.Add(model); }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"depthnode run failed: {stderr}");
        Assert.Contains(model is null ? "model: fastdepth_7" : "model: street_student", stdout.Result);
        return outDir;
    }

    private static List<byte[]> DepthImages(string bag)
    {
        using var reader = BagReader.Open(bag);
        return reader.ReadMessages().Where(m => m.Topic.Name == "/depth/image").Select(m => m.Data.ToArray()).ToList();
    }

    private static float[] RunOnNyuFrame(OnnxDepthModel model)
    {
        using var bgr = Cv2.ImRead(SharedData.Path("data", "nyu", "rgb_00050.jpg"), ImreadModes.Color);
        var size = model.InputSizeFor(bgr.Cols, bgr.Rows);
        new ImagePreprocessor(model.Card.Input).Run(View(bgr), model.GetInputBuffer(size), size);
        return model.Run().Values.ToArray();
    }

    private static unsafe ImageView View(Mat bgr) =>
        ImageView.Create("bgr8", bgr.Cols, bgr.Rows, bgr.Step(), false, new ReadOnlySpan<byte>((void*)bgr.Data, checked((int)(bgr.Step() * bgr.Rows))));
}
