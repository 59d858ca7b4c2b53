using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Export;
using DepthNode.Inference;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// Distill-Any-Depth / Depth Anything V2 of one size for `depth-distill`: seeded random or loaded from any published
/// checkpoint layout (.safetensors or .pth), exported with dynamic height and width, relative disparity out.
/// </summary>
public sealed class DepthAnythingArchitecture(DepthAnythingSize size) : DepthArchitecture
{
    public DepthAnythingSize Size { get; } = size;

    public override string Name => Size.Name;

    public override string Description =>
        $"Distill-Any-Depth {Size.Name["dad-".Length..]} (DINOv2 ViT/14, {Size.EmbedDim} wide, {Size.Depth} blocks + DPT head), H and W multiples of 14, relative disparity";

    public override IReadOnlyList<string> WeightFormats => [".safetensors", ".pth"];

    /// <summary>Seeded random weights calibrated to a non-zero disparity map, so the node can run the export.</summary>
    public override nn.Module<Tensor, Tensor> CreateRandom(long seed) => DepthAnythingSeededWeights.Create(Size, seed);

    public override nn.Module<Tensor, Tensor> Load(string path)
    {
        var network = new DepthAnythingNetwork(Size);
        try
        {
            DepthAnythingCheckpoint.Load(network, path);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        return network;
    }

    /// <summary>The pre-processing of config/models/distill_any_depth_small.yaml: RGB, ImageNet mean/std, short side
    /// at least 518 with both sides multiples of 14 (MiDaS lower bound), capped for very wide images.</summary>
    public override ModelCard Card(string name, string onnxFile) => new(name, onnxFile, null,
        new ModelInputSpec("pixel_values", TensorLayout.Nchw, ColorOrder.Rgb, 1 / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f],
            new SizePolicy(true, 518, 518, DepthAnythingSize.PatchSize, SizeBound.Lower, 0, 1918)),
        new ModelOutputSpec("predicted_depth", DepthOutputKind.RelativeDisparity, 0, float.PositiveInfinity));

    public override OnnxDim[] InputDims => [1, 3, "height", "width"];
    public override OnnxDim[] OutputDims => [1, 1, "height", "width"];

    // Square at the training size (stored position embeddings) and KITTI-like (resampled, non-square).
    public override IReadOnlyList<TensorSize> CheckSizes => [new(518, 518), new(1204, 364)];
}
