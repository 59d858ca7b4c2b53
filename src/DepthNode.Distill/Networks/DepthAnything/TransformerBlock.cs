using DepthNode.Distill.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// One pre-norm DINOv2 block: x + ls1·Attn(LN1(x)), then x + ls2·MLP(LN2(x)); LayerNorm eps 1e-6 as in the
/// official code (PyTorch's default 1e-5 would not match it).
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    public const double LayerNormEps = 1e-6;

    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly LayerScale ls1;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;
    private readonly LayerScale ls2;

    public TransformerBlock(int dim, int heads) : base(nameof(TransformerBlock))
    {
        norm1 = nn.LayerNorm(dim, eps: LayerNormEps);
        attn = new Attention(dim, heads);
        ls1 = new LayerScale(dim);
        norm2 = nn.LayerNorm(dim, eps: LayerNormEps);
        mlp = new Mlp(dim);
        ls2 = new LayerScale(dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x + ls1.forward(attn.forward(norm1.forward(x)));
        return (afterAttention + ls2.forward(mlp.forward(norm2.forward(afterAttention)))).MoveToOuterDisposeScope();
    }

    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x, int dim)
    {
        OnnxValue attended, transformed;
        using (g.Scope("attn")) attended = attn.EmitOnnx(g, OnnxModules.LayerNorm(g, "norm1", norm1, x), dim);
        var afterAttention = g.Add(x, ls1.EmitOnnx(g, "ls1", attended));
        using (g.Scope("mlp")) transformed = mlp.EmitOnnx(g, OnnxModules.LayerNorm(g, "norm2", norm2, afterAttention));
        return g.Add(afterAttention, ls2.EmitOnnx(g, "ls2", transformed));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            norm1.Dispose();
            attn.Dispose();
            ls1.Dispose();
            norm2.Dispose();
            mlp.Dispose();
            ls2.Dispose();
        }
        base.Dispose(disposing);
    }
}
