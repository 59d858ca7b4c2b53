using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Networks.DepthAnything;
using DepthNode.Distill.Tests.Export;
using DepthNode.Inference;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

/// <summary>`depth-distill export --arch dad-*`: the user's path from a checkpoint file to an ONNX model and card.</summary>
public sealed class DepthAnythingArchitectureTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dad-export-").FullName;

    private static (int Code, string Stdout, string Stderr) Export(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(["export", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Export_DadSmallCheckpoint_WritesADynamicSizeGraphAndACardTheNodeReads()
    {
        using var network = SeededWeights.Small(seed: 11);
        network.eval();
        var weights = Path.Combine(dir, "model.safetensors");
        var onnx = Path.Combine(dir, "dad_small.onnx");
        DepthAnythingCheckpoint.Save(network, weights);

        var (code, stdout, stderr) = Export("--arch", "dad-small", "--weights", weights, "--out", onnx);

        Assert.True(code == 0, stdout + stderr);
        Assert.DoesNotContain("RANDOM", stdout);
        var card = ModelCard.LoadFor(onnx);
        Assert.Equal((DepthOutputKind.RelativeDisparity, 14, ColorOrder.Rgb), (card.Output.Kind, card.Input.Size.MultipleOf, card.Input.ColorOrder));
        Assert.Equal(new TensorSize(1722, 518), card.Input.Size.Choose(1242, 375));
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(["1", "3", "height", "width"], model.Graph.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString()));
        // One LayerNormalization op per norm (TensorRT fuses it): two per block, and the final norm on each of the 4 taps.
        Assert.Equal(12 * 2 + 4, model.Graph.Node.Count(n => n.OpType == "LayerNormalization"));
        Assert.Contains(model.Graph.Initializer, i => i.Name == "pretrained.blocks.11.attn.qkv.weight.T");
        // A size that is neither 518 nor KITTI-like: the graph resizes itself (ONNX Runtime against TorchSharp).
        using var image = OnnxReference.NyuImage(98, 70);
        using var expected = network.forward(image);
        using var actual = OnnxReference.Run(File.ReadAllBytes(onnx), ("pixel_values", image));
        Assert.True(OnnxReference.RelativeL2(actual, expected) < 1e-5, $"relative L2 {OnnxReference.RelativeL2(actual, expected):E2}");
    }

    [Fact]
    public void Export_DadSmallWithoutWeights_OnnxRuntimeGivesANonZeroVaryingDisparityOnARealFrame()
    {
        var onnx = Path.Combine(dir, "dad_small_random.onnx");

        var (code, stdout, stderr) = Export("--arch", "dad-small", "--out", onnx);

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("SEEDED RANDOM", stderr);
        // The node drops an all-zero map as unusable: the default initialisation left the final ReLU's input negative.
        // As the node feeds it (the card's ImageNet mean/std), at a small size the card allows (multiples of 14).
        using var rgb = OnnxReference.NyuImage(98, 70);
        using var mean3 = tensor(new[] { 0.485f, 0.456f, 0.406f }).reshape(1, 3, 1, 1);
        using var std3 = tensor(new[] { 0.229f, 0.224f, 0.225f }).reshape(1, 3, 1, 1);
        using var image = (rgb - mean3) / std3;
        using var disparity = OnnxReference.Run(File.ReadAllBytes(onnx), ("pixel_values", image));
        var values = disparity.data<float>().ToArray();
        var positive = values.Count(v => v > 0) / (double)values.Length;
        var mean = values.Average();
        var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.True(positive > 0.95, $"only {positive:P1} of the disparity is above zero");
        Assert.True(std > 0.01 * mean, $"disparity nearly constant: mean {mean}, std {std}");
    }

    [Fact]
    public void Export_DadBaseWithASmallCheckpoint_RefusesInOneLineAndWritesNothing()
    {
        using var small = SeededWeights.Small(seed: 12);
        var weights = Path.Combine(dir, "small.safetensors");
        var onnx = Path.Combine(dir, "base.onnx");
        DepthAnythingCheckpoint.Save(small, weights);

        var (code, _, stderr) = Export("--arch", "dad-base", "--weights", weights, "--out", onnx);

        Assert.Equal(1, code);
        Assert.StartsWith($"depth-distill export: checkpoint {weights} does not fit dad-base (official (pretrained.*, depth_head.*)); it looks like a dad-small checkpoint: 3 matched, 236 mis-shaped (", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(onnx));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
