using DepthNode.Distill.Export;
using DepthNode.Distill.Networks;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;
using TorchSharp;
using Xunit.Abstractions;

namespace DepthNode.Distill.Tests.Networks;

/// <summary>FastDepth in TorchSharp against ONNX Runtime running the installed fastdepth_7.onnx, on real NYU frames.</summary>
public class FastDepthTests(ITestOutputHelper output)
{
    private static readonly string[] Frames = ["rgb_00000.jpg", "rgb_00050.jpg", "rgb_00100.jpg"];

    internal static ModelCard OriginalCard => ModelCard.LoadFor(CheckoutModels.DefaultModelPath);

    internal static NchwTensor NyuBatch(ModelCard card) =>
        NetworkInputs.Load(Frames.Select(f => SharedData.Path("data", "nyu", f)).ToList(), card.Input, new TensorSize(224, 224));

    internal static float MaxAbsDiff(NchwTensor a, NchwTensor b)
    {
        Assert.Equal(b.Shape, a.Shape);
        var max = 0f;
        for (var i = 0; i < a.Data.Length; i++) max = Math.Max(max, Math.Abs(a.Data[i] - b.Data[i]));
        return max;
    }

    [Fact]
    public void Load_InstalledFastDepth_ReproducesOnnxRuntimeOnNyuFrames()
    {
        var card = OriginalCard;
        var input = NyuBatch(card);
        using var reference = new OnnxDepthNetwork(card);
        using var ours = new TorchDepthNetwork(FastDepthOnnxWeights.Load(card.ModelPath), card, ownsModule: true);

        var expected = reference.Predict(input);
        var actual = ours.Predict(input);

        var diff = MaxAbsDiff(actual, expected);
        output.WriteLine($"TorchSharp vs ONNX Runtime (fastdepth_7.onnx), 3 NYU frames 224x224: max |diff| {diff:E2} m, depth range {expected.Data.Min():F2}..{expected.Data.Max():F2} m");
        Assert.True(expected.Data.Max() > 1f, "the reference output is not a depth map");
        Assert.True(diff < 1e-4f, $"max |diff| {diff} m");
    }

    [Fact]
    public void Load_InstalledFastDepth_HasThePrunedWidthsAndStateDictNames()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);

        Assert.Equal(FastDepthWidths.NyuPruned, net.Widths);
        var names = net.state_dict().Keys.ToList();
        Assert.Contains("encoder.0.conv.weight", names);
        Assert.Contains("encoder.13.pointwise.bn.running_var", names);
        Assert.Contains("decoder.4.depthwise.conv.weight", names);
        Assert.Contains("head.bn.bias", names);
        // 38 convolutions (no bias) and 38 batch norms (weight, bias): the ONNX file's Conv weights and BN scales/biases.
        Assert.Equal(76 + 38, net.parameters().Count());
    }

    [Fact]
    public void Export_LoadedFastDepth_OnnxRuntimeOnTheExportEqualsTheOriginal()
    {
        var card = OriginalCard;
        var input = NyuBatch(card);
        using var net = FastDepthOnnxWeights.Load(card.ModelPath);
        var dir = Directory.CreateTempSubdirectory("fastdepth-export-");
        try
        {
            var g = new OnnxGraphBuilder("fastdepth");
            var x = g.Input("pixel_values", 1, 3, 224, 224);
            g.Output(net.EmitOnnx(g, x), "predicted_depth", 1, 1, 224, 224);
            var path = Path.Combine(dir.FullName, "fastdepth.onnx");
            g.Save(path);
            var exportedCard = card with { File = path, Sha256 = null, Input = card.Input with { Name = "pixel_values" }, Output = card.Output with { Name = "predicted_depth" } };
            using var original = new OnnxDepthNetwork(card);
            using var exported = new OnnxDepthNetwork(exportedCard);

            var expected = original.Predict(input);
            var actual = exported.Predict(input);

            var diff = MaxAbsDiff(actual, expected);
            output.WriteLine($"ONNX Runtime: our export vs fastdepth_7.onnx, 3 NYU frames: max |diff| {diff:E2} m");
            Assert.True(diff < 1e-4f, $"max |diff| {diff} m");
            // Initializers carry the state-dict names.
            var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal(net.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(),
                model.Graph.Initializer.Select(i => i.Name).Where(n => !n.StartsWith("const", StringComparison.Ordinal)).Order());
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void ForwardWithFeatures_InstalledFastDepth_DepthIsTheForwardsAndFeaturesAreOnnxRuntimesLastEncoderLayer()
    {
        var card = OriginalCard;
        var input = NyuBatch(card);
        using var net = FastDepthOnnxWeights.Load(card.ModelPath);
        using var x = torch.tensor(input.Data, input.Shape);
        using var noGrad = torch.no_grad();

        using var plain = net.forward(x);
        var (depth, features) = net.ForwardWithFeatures(x);
        using var _ = depth;
        using var __ = features;
        using var encoderOnly = net.EncoderFeatures(x);

        // The independent value: the original graph with the 14th encoder layer (27th Conv → BN → Clip, the last
        // pointwise convolution of MobileNet) added as an output, run by ONNX Runtime.
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(card.ModelPath));
        var graph = model.Graph;
        string Consumer(string tensor, string op) => graph.Node.Single(n => n.OpType == op && n.Input.Contains(tensor)).Output[0];
        var lastConv = graph.Node.Where(n => n.OpType == "Conv").ElementAt(26);
        var tap = Consumer(Consumer(lastConv.Output[0], "BatchNormalization"), "Clip");
        graph.Output.Add(new Onnx.ValueInfoProto { Name = tap, Type = new Onnx.TypeProto { TensorType = new Onnx.TypeProto.Types.Tensor { ElemType = 1 } } });
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model));
        var frame = 3 * 224 * 224;
        var want = new List<float>();
        for (var n = 0; n < input.N; n++) // the graph takes batch 1
        {
            var feed = Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(graph.Input[0].Name,
                new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(input.Data.AsMemory(n * frame, frame), [1, 3, 224, 224]));
            using var results = session.Run([feed], [tap]);
            var one = results[0].AsTensor<float>();
            Assert.Equal([1, 512, 7, 7], one.Dimensions.ToArray());
            want.AddRange(one);
        }

        Assert.Equal(plain.data<float>().ToArray(), depth.data<float>().ToArray()); // bit for bit
        Assert.Equal(features.contiguous().data<float>().ToArray(), encoderOnly.contiguous().data<float>().ToArray());
        Assert.Equal([3L, 512, 7, 7], features.shape);
        var actual = features.contiguous().data<float>().ToArray();
        var diff = actual.Zip(want).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"FastDepth encoder.13 features vs ONNX Runtime ({tap}): max |diff| {diff:E2}, max value {want.Max():F2}");
        Assert.True(want.Max() > 0.1f && want.Count(v => v > 0) > want.Count / 10, "the reference features are degenerate");
        Assert.True(diff < 1e-4f, $"max |diff| {diff}");
        Assert.Equal(1, net.FeatureChannelDim);
    }

    [Fact]
    public void Load_GraphThatIsNotFastDepth_RefusedWithOneLineNamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("fastdepth-refuse-");
        try
        {
            // A MobileNet-width FastDepth exported by us, with one decoder stride changed: same unit count, wrong node.
            using var mobileNet = new FastDepthNet(FastDepthWidths.MobileNet);
            var g = new OnnxGraphBuilder("fastdepth");
            g.Output(mobileNet.EmitOnnx(g, g.Input("pixel_values", 1, 3, 224, 224)), "predicted_depth", 1, 1, 224, 224);
            var model = g.Build();
            var conv = model.Graph.Node.Where(n => n.OpType == "Conv").ElementAt(29);
            conv.Attribute.Single(a => a.Name == "strides").Ints[0] = 2;
            var path = Path.Combine(dir.FullName, "altered.onnx");
            File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
            var garbage = Path.Combine(dir.FullName, "garbage.onnx");
            File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);

            var e = Assert.Throws<InvalidDataException>(() => FastDepthOnnxWeights.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("decoder.1.depthwise", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains(garbage, Assert.Throws<InvalidDataException>(() => FastDepthOnnxWeights.Load(garbage)).Message);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Load_OurExportOfMobileNetWidths_RoundTripsTheWeights()
    {
        // Seeded random weights at the unpruned widths, exported and read back: every tensor identical.
        torch.manual_seed(7);
        using var net = new FastDepthNet(FastDepthWidths.MobileNet);
        var dir = Directory.CreateTempSubdirectory("fastdepth-roundtrip-");
        try
        {
            var g = new OnnxGraphBuilder("fastdepth");
            g.Output(net.EmitOnnx(g, g.Input("pixel_values", 1, 3, 224, 224)), "predicted_depth", 1, 1, 224, 224);
            var path = Path.Combine(dir.FullName, "mobilenet.onnx");
            g.Save(path);

            using var back = FastDepthOnnxWeights.Load(path);

            Assert.Equal(FastDepthWidths.MobileNet, back.Widths);
            var original = net.state_dict();
            foreach (var (name, tensor) in back.state_dict())
                if (!name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                    Assert.True(tensor.eq(original[name]).all().item<bool>(), name);
        }
        finally { dir.Delete(recursive: true); }
    }
}
