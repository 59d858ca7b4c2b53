using DepthNode.Distill.Export;
using DepthNode.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// One architecture `depth-distill export` (and training) can build: how to make it with seeded random weights or
/// from a weights file, the model card its ONNX export carries, the input dimensions it declares, and the sizes
/// <c>--check</c> compares at. Adding an architecture is one subclass and one line in <see cref="DepthArchitectures.All"/>.
/// </summary>
public abstract class DepthArchitecture
{
    /// <summary>The <c>--arch</c> name, e.g. <c>fastdepth</c>, <c>dad-small</c>.</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>Weight file extensions <see cref="Load"/> reads, for the error message (".onnx", ".safetensors").</summary>
    public abstract IReadOnlyList<string> WeightFormats { get; }

    /// <summary>A network with weights drawn from <c>torch.manual_seed(seed)</c>.</summary>
    public abstract nn.Module<Tensor, Tensor> CreateRandom(long seed);

    /// <summary>A network with the weights in <paramref name="path"/>; refuses a file that does not fit with one line.</summary>
    public abstract nn.Module<Tensor, Tensor> Load(string path);

    /// <summary>The card for its export: input <c>pixel_values</c>, output <c>predicted_depth</c>.</summary>
    public abstract ModelCard Card(string name, string onnxFile);

    /// <summary>The ONNX input dimensions ([1, 3, 224, 224] fixed, or [1, 3, "height", "width"]).</summary>
    public abstract OnnxDim[] InputDims { get; }

    /// <summary>The ONNX output dimensions ([1, 1, H, W]).</summary>
    public abstract OnnxDim[] OutputDims { get; }

    /// <summary>Input sizes <c>--check</c> runs TorchSharp and ONNX Runtime at.</summary>
    public abstract IReadOnlyList<TensorSize> CheckSizes { get; }

    /// <summary>
    /// The same architecture trained and exported at a square input of <paramref name="side"/> pixels (a CNN student
    /// can run at a higher resolution than its teacher); refuses a side the network cannot take with one line.
    /// </summary>
    public virtual DepthArchitecture WithInputSide(int side) =>
        throw new NotSupportedException($"{Name} takes no input_size (its card decides the input size)");

    /// <summary>The network's forward pass as ONNX (the module must implement <see cref="IOnnxExportable"/>).</summary>
    public virtual OnnxValue Emit(nn.Module<Tensor, Tensor> network, OnnxGraphBuilder graph, OnnxValue pixelValues) =>
        network is IOnnxExportable e ? e.EmitOnnx(graph, pixelValues)
            : throw new NotSupportedException($"{Name}: {network.GetType().Name} cannot write itself as ONNX");
}

/// <summary>The architectures `depth-distill` knows, by <c>--arch</c> name.</summary>
public static class DepthArchitectures
{
    public static IReadOnlyList<DepthArchitecture> All { get; } =
    [
        new FastDepthArchitecture(),
        new DepthAnything.DepthAnythingArchitecture(DepthAnything.DepthAnythingSize.Small),
        new DepthAnything.DepthAnythingArchitecture(DepthAnything.DepthAnythingSize.Base),
        new DepthAnything.DepthAnythingArchitecture(DepthAnything.DepthAnythingSize.Large),
    ];

    public static DepthArchitecture Find(string name) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", All.Select(a => a.Name))})");
}

/// <summary>
/// FastDepth at the NYU-pruned widths, metres; weights from an ONNX FastDepth (<c>fastdepth_7.onnx</c>). Fully
/// convolutional: 224×224 as published, any multiple of 32 (five stride-2 stages, mirrored by the decoder) otherwise.
/// </summary>
public sealed class FastDepthArchitecture(int side = 224) : DepthArchitecture
{
    public int Side { get; } = side;
    public override string Name => "fastdepth";
    public override string Description => $"FastDepth (MobileNet + NNConv5, NYU-pruned widths), {Side}x{Side}, metres";

    public override DepthArchitecture WithInputSide(int side) =>
        side >= 32 && side % 32 == 0 ? new FastDepthArchitecture(side)
            : throw new ArgumentException($"fastdepth takes a multiple of 32 as input_size (its encoder halves the input five times), got {side}");
    public override IReadOnlyList<string> WeightFormats => [".onnx"];

    public override nn.Module<Tensor, Tensor> CreateRandom(long seed)
    {
        torch.manual_seed(seed);
        var net = new FastDepthNet(FastDepthWidths.NyuPruned);
        net.eval();
        return net;
    }

    public override nn.Module<Tensor, Tensor> Load(string path) =>
        Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)
            ? FastDepthOnnxWeights.Load(path)
            : throw new NotSupportedException($"--weights {path}: fastdepth reads weights from an ONNX FastDepth (.onnx)");

    public override ModelCard Card(string name, string onnxFile) => new(name, onnxFile, null,
        new ModelInputSpec("pixel_values", TensorLayout.Nchw, ColorOrder.Rgb, 1 / 255f, [0, 0, 0], [1, 1, 1], SizePolicy.Fixed(Side, Side)),
        new ModelOutputSpec("predicted_depth", DepthOutputKind.MetricDepth, 0.1f, 10f));

    public override OnnxDim[] InputDims => [1, 3, Side, Side];
    public override OnnxDim[] OutputDims => [1, 1, Side, Side];
    public override IReadOnlyList<TensorSize> CheckSizes => [new(Side, Side)];
}
