using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// Depth Anything V2 / Distill-Any-Depth: DINOv2 encoder (`pretrained`) and DPT head (`depth_head`), the module
/// names of the official small/base checkpoints, so their keys load unchanged (the large checkpoint and the
/// transformers ports are mapped onto these names by <see cref="Checkpoints.DepthAnythingCheckpoint"/>).
/// Input: [B,3,H,W] RGB with ImageNet mean/std applied, H and W multiples of 14. Output: relative disparity
/// [B,1,H,W] after the final ReLU.
/// </summary>
public sealed class DepthAnythingNetwork : nn.Module<Tensor, Tensor>, IOnnxExportable, IEncoderFeatures
{
    private readonly DinoVisionTransformer pretrained;
    [ComponentName(Name = "depth_head")] private readonly DptHead depthHead;

    public DepthAnythingNetwork(DepthAnythingSize size) : base(size.Name)
    {
        Size = size;
        pretrained = new DinoVisionTransformer(size);
        depthHead = new DptHead(size);
        RegisterComponents();
    }

    public DepthAnythingSize Size { get; }

    public DinoVisionTransformer Encoder => pretrained;

    public override Tensor forward(Tensor image)
    {
        var (depth, lastTokens) = ForwardWithFeatures(image);
        lastTokens.Dispose();
        return depth;
    }

    /// <summary>
    /// Depth and the last tap's normalised patch tokens [B, (H/14)·(W/14), C]: the feature-alignment loss compares
    /// the student's with a frozen encoder's.
    /// </summary>
    public (Tensor Depth, Tensor Features) ForwardWithFeatures(Tensor image)
    {
        using var scope = NewDisposeScope();
        long ph = image.shape[2] / DepthAnythingSize.PatchSize, pw = image.shape[3] / DepthAnythingSize.PatchSize;
        var tokens = pretrained.forward(image);
        var depth = depthHead.Decode(tokens, ph, pw);
        return (depth.MoveToOuterDisposeScope(), tokens[^1].MoveToOuterDisposeScope());
    }

    public long FeatureChannelDim => -1;

    public string FeatureLayer => $"pretrained block {Size.TapBlocks[^1]} patch tokens after the final norm ({Size.EmbedDim} channels, one token per 14×14 patch)";

    /// <summary>The last tap's normalised patch tokens without running the DPT head.</summary>
    public Tensor EncoderFeatures(Tensor image)
    {
        using var scope = NewDisposeScope();
        return pretrained.forward(image)[^1].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The network as ONNX for any H, W that are multiples of 14: initializers under the state-dict keys, position
    /// embeddings resampled in the graph, LayerNormalization and MatMul-Softmax-MatMul attention for TensorRT.
    /// </summary>
    public OnnxValue EmitOnnx(OnnxGraphBuilder graph, OnnxValue pixelValues)
    {
        OnnxValue[] taps;
        OnnxValue grid;
        using (graph.Scope("pretrained")) (taps, grid) = pretrained.EmitOnnx(graph, pixelValues);
        using (graph.Scope("depth_head")) return depthHead.EmitOnnx(graph, taps, grid, graph.Shape(pixelValues, 2, 4));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pretrained.Dispose();
            depthHead.Dispose();
        }
        base.Dispose(disposing);
    }
}
