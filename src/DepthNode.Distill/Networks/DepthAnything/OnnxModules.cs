using DepthNode.Distill.Export;
using TorchSharp.Modules;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// ONNX for the TorchSharp layers the Depth Anything modules are made of, each inside a scope named after its field,
/// so initializers carry the state-dict keys (`pretrained.blocks.3.attn.qkv.weight.T`, …).
/// </summary>
internal static class OnnxModules
{
    public static OnnxValue Conv(OnnxGraphBuilder g, string name, Conv2d conv, OnnxValue x, int stride = 1, int padding = 0)
    {
        using var scope = g.Scope(name);
        var k = (int)conv.weight!.shape[2];
        var bias = conv.bias is null ? (OnnxValue?)null : g.Parameter("bias", conv.bias);
        return g.Conv(x, g.Parameter("weight", conv.weight), bias, (k, k), (stride, stride), (padding, padding));
    }

    /// <summary>Stride-k transposed convolution with kernel k (the DPT head's ×4 and ×2 reassembly).</summary>
    public static OnnxValue ConvTranspose(OnnxGraphBuilder g, string name, ConvTranspose2d conv, OnnxValue x)
    {
        using var scope = g.Scope(name);
        var k = (int)conv.weight!.shape[2];
        return g.ConvTranspose(x, g.Parameter("weight", conv.weight), g.Parameter("bias", conv.bias!), (k, k), (k, k), (0, 0));
    }

    /// <summary>MatMul with the weight stored transposed ([in, out], initializer `….weight.T`) plus bias.</summary>
    public static OnnxValue Linear(OnnxGraphBuilder g, string name, Linear linear, OnnxValue x)
    {
        using var scope = g.Scope(name);
        using var transposed = linear.weight!.detach().t().contiguous();
        return g.Linear(x, g.Parameter("weight.T", transposed), g.Parameter("bias", linear.bias!));
    }

    /// <summary>The LayerNormalization operator (one op: TensorRT's normalization layer fuses it whole).</summary>
    public static OnnxValue LayerNorm(OnnxGraphBuilder g, string name, LayerNorm norm, OnnxValue x)
    {
        var (weight, bias) = LayerNormParameters(g, name, norm);
        return g.LayerNormalization(x, weight, bias, (float)TransformerBlock.LayerNormEps);
    }

    public static (OnnxValue Weight, OnnxValue Bias) LayerNormParameters(OnnxGraphBuilder g, string name, LayerNorm norm)
    {
        using var scope = g.Scope(name);
        return (g.Parameter("weight", norm.weight!), g.Parameter("bias", norm.bias!));
    }
}
