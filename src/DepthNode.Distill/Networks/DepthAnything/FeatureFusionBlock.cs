using DepthNode.Distill.Export;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// RefineNet fusion: the deeper path plus the refined lateral input, refined again, resampled bilinearly with
/// align_corners=True to the next level's size, then a 1×1 projection. The deepest block has no deeper path; its
/// resConfUnit1 then goes unused but still has weights in every checkpoint.
/// </summary>
public sealed class FeatureFusionBlock : nn.Module<Tensor, Tensor?, long[], Tensor>
{
    [ComponentName(Name = "out_conv")] private readonly Conv2d outConv;
    private readonly ResidualConvUnit resConfUnit1;
    private readonly ResidualConvUnit resConfUnit2;

    public FeatureFusionBlock(int features) : base(nameof(FeatureFusionBlock))
    {
        outConv = nn.Conv2d(features, features, 1);
        resConfUnit1 = new ResidualConvUnit(features);
        resConfUnit2 = new ResidualConvUnit(features);
        RegisterComponents();
    }

    /// <param name="path">The deeper level's output (or the only input at the deepest level).</param>
    /// <param name="lateral">This level's reassembled features, or null at the deepest level.</param>
    /// <param name="size">Output height and width.</param>
    public override Tensor forward(Tensor path, Tensor? lateral, long[] size)
    {
        using var scope = NewDisposeScope();
        var fused = lateral is null ? path : path + resConfUnit1.forward(lateral);
        var refined = resConfUnit2.forward(fused);
        var resized = nn.functional.interpolate(refined, size: size, mode: InterpolationMode.Bilinear, align_corners: true);
        return outConv.forward(resized).MoveToOuterDisposeScope();
    }

    /// <param name="sizeHW">Output height and width, int64 [2] computed in the graph.</param>
    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue path, OnnxValue? lateral, OnnxValue sizeHW)
    {
        if (lateral is { } l)
            using (g.Scope("resConfUnit1")) path = g.Add(path, resConfUnit1.EmitOnnx(g, l));
        OnnxValue refined;
        using (g.Scope("resConfUnit2")) refined = resConfUnit2.EmitOnnx(g, path);
        return OnnxModules.Conv(g, "out_conv", outConv, g.ResizeLinearAlignCorners(refined, sizeHW));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            outConv.Dispose();
            resConfUnit1.Dispose();
            resConfUnit2.Dispose();
        }
        base.Dispose(disposing);
    }
}
