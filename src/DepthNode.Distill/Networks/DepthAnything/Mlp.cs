using DepthNode.Distill.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>The transformer's feed-forward part: Linear(C, 4C) → GELU (exact, erf) → Linear(4C, C).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public Mlp(int dim) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(dim, 4 * dim);
        fc2 = nn.Linear(4 * dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var hidden = fc1.forward(x);
        // The tanh approximation would move the output by ~1e-4 relative: enough to fail the parity checks.
        using var activated = nn.functional.gelu(hidden, GELU.Approximate.none);
        return fc2.forward(activated);
    }

    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x) =>
        OnnxModules.Linear(g, "fc2", fc2, g.Gelu(OnnxModules.Linear(g, "fc1", fc1, x)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fc1.Dispose();
            fc2.Dispose();
        }
        base.Dispose(disposing);
    }
}
