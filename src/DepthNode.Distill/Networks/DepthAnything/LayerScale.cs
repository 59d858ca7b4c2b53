using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>A learned per-channel gain on a residual branch (DINOv2's LayerScale; key `lsN.gamma`).</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    public LayerScale(int dim) : base(nameof(LayerScale))
    {
        gamma = nn.Parameter(ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * gamma;

    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, string name, OnnxValue x)
    {
        using var scope = g.Scope(name);
        return g.Mul(x, g.Parameter("gamma", gamma));
    }
}
