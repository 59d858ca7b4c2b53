using DepthNode.Distill.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>RefineNet's residual unit: conv2(relu(conv1(relu(x)))) + x, 3×3 convolutions with bias, no batch norm.</summary>
public sealed class ResidualConvUnit : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;

    public ResidualConvUnit(int features) : base(nameof(ResidualConvUnit))
    {
        conv1 = nn.Conv2d(features, features, 3, padding: 1);
        conv2 = nn.Conv2d(features, features, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Not in place: x is also the skip input.
        var branch = conv2.forward(nn.functional.relu(conv1.forward(nn.functional.relu(x))));
        return (branch + x).MoveToOuterDisposeScope();
    }

    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x)
    {
        var h = OnnxModules.Conv(g, "conv1", conv1, g.Relu(x), padding: 1);
        return g.Add(OnnxModules.Conv(g, "conv2", conv2, g.Relu(h), padding: 1), x);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
        }
        base.Dispose(disposing);
    }
}
