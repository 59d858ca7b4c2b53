using DepthNode.Distill.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// Multi-head self-attention as DINOv2 computes it: one qkv projection with bias, q scaled by head_dim^-0.5 before
/// q·kᵀ, softmax over keys, then the output projection. Written out (not a fused kernel) so that the ONNX export and
/// the official code do the same arithmetic in the same order.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;
    private readonly double scale;

    public Attention(int dim, int heads) : base(nameof(Attention))
    {
        this.heads = heads;
        scale = Math.Pow(dim / heads, -0.5);
        qkv = nn.Linear(dim, 3 * dim, hasBias: true);
        proj = nn.Linear(dim, dim, hasBias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var qkvHeads = qkv.forward(x).reshape(b, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var q = qkvHeads[0] * scale;
        var attention = q.matmul(qkvHeads[1].transpose(-2, -1)).softmax(-1);
        var mixed = attention.matmul(qkvHeads[2]).transpose(1, 2).reshape(b, n, c);
        return proj.forward(mixed).MoveToOuterDisposeScope();
    }

    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x, int dim)
    {
        var qkvHeads = g.Transpose(g.Reshape(OnnxModules.Linear(g, "qkv", qkv, x), 0, 0, 3, heads, dim / heads), 2, 0, 3, 1, 4);
        var q = g.Mul(g.Gather(qkvHeads, g.Int64Scalar(0)), g.Constant((float)scale));
        var k = g.Gather(qkvHeads, g.Int64Scalar(1));
        var v = g.Gather(qkvHeads, g.Int64Scalar(2));
        // MatMul → Softmax → MatMul: the pattern TensorRT fuses into one attention kernel.
        var attention = g.Softmax(g.MatMul(q, g.Transpose(k, 0, 1, 3, 2)), -1);
        var mixed = g.Reshape(g.Transpose(g.MatMul(attention, v), 0, 2, 1, 3), 0, 0, dim);
        return OnnxModules.Linear(g, "proj", proj, mixed);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            qkv.Dispose();
            proj.Dispose();
        }
        base.Dispose(disposing);
    }
}
