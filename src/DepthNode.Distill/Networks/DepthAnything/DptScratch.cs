using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// The DPT head's "scratch" part (the official module name, kept for the checkpoint keys): 3×3 convolutions without
/// bias bringing each level to `features` channels, the four RefineNet fusion blocks, and the output convolutions.
/// </summary>
public sealed class DptScratch : nn.Module
{
    [ComponentName(Name = "layer1_rn")] private readonly Conv2d layer1Rn;
    [ComponentName(Name = "layer2_rn")] private readonly Conv2d layer2Rn;
    [ComponentName(Name = "layer3_rn")] private readonly Conv2d layer3Rn;
    [ComponentName(Name = "layer4_rn")] private readonly Conv2d layer4Rn;
    private readonly FeatureFusionBlock refinenet1;
    private readonly FeatureFusionBlock refinenet2;
    private readonly FeatureFusionBlock refinenet3;
    private readonly FeatureFusionBlock refinenet4;
    [ComponentName(Name = "output_conv1")] private readonly Conv2d outputConv1;
    // conv3×3 → ReLU → conv1×1 → ReLU; Sequential indices 0 and 2 are the checkpoint keys.
    [ComponentName(Name = "output_conv2")] private readonly Sequential outputConv2;

    public DptScratch(int[] outChannels, int features) : base(nameof(DptScratch))
    {
        layer1Rn = nn.Conv2d(outChannels[0], features, 3, padding: 1, bias: false);
        layer2Rn = nn.Conv2d(outChannels[1], features, 3, padding: 1, bias: false);
        layer3Rn = nn.Conv2d(outChannels[2], features, 3, padding: 1, bias: false);
        layer4Rn = nn.Conv2d(outChannels[3], features, 3, padding: 1, bias: false);
        refinenet1 = new FeatureFusionBlock(features);
        refinenet2 = new FeatureFusionBlock(features);
        refinenet3 = new FeatureFusionBlock(features);
        refinenet4 = new FeatureFusionBlock(features);
        outputConv1 = nn.Conv2d(features, features / 2, 3, padding: 1);
        outputConv2 = nn.Sequential(
            ("0", nn.Conv2d(features / 2, 32, 3, padding: 1)),
            ("1", nn.ReLU()),
            ("2", nn.Conv2d(32, 1, 1)),
            ("3", nn.ReLU()));
        RegisterComponents();
    }

    /// <summary>
    /// Reassembled levels (strides 4, 8, 14, 28 relative to the patch grid ×14) → depth [B,1,14·ph,14·pw], after the
    /// final ReLU.
    /// </summary>
    public Tensor Fuse(Tensor[] levels, long ph, long pw)
    {
        using var scope = NewDisposeScope();
        var l1 = layer1Rn.forward(levels[0]);
        var l2 = layer2Rn.forward(levels[1]);
        var l3 = layer3Rn.forward(levels[2]);
        var l4 = layer4Rn.forward(levels[3]);

        var path4 = refinenet4.forward(l4, null, SpatialSize(l3));
        var path3 = refinenet3.forward(path4, l3, SpatialSize(l2));
        var path2 = refinenet2.forward(path3, l2, SpatialSize(l1));
        // The last fusion doubles the size (scale_factor=2 with align_corners=True samples exactly as size=2n does).
        var path1 = refinenet1.forward(path2, l1, [2 * l1.shape[2], 2 * l1.shape[3]]);

        var head = outputConv1.forward(path1);
        var full = nn.functional.interpolate(head, size: [ph * DepthAnythingSize.PatchSize, pw * DepthAnythingSize.PatchSize],
            mode: InterpolationMode.Bilinear, align_corners: true);
        return outputConv2.forward(full).MoveToOuterDisposeScope();
    }

    /// <param name="imageHW">The input image's height and width (14·ph, 14·pw), int64 [2].</param>
    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue[] levels, OnnxValue imageHW)
    {
        var l1 = OnnxModules.Conv(g, "layer1_rn", layer1Rn, levels[0], padding: 1);
        var l2 = OnnxModules.Conv(g, "layer2_rn", layer2Rn, levels[1], padding: 1);
        var l3 = OnnxModules.Conv(g, "layer3_rn", layer3Rn, levels[2], padding: 1);
        var l4 = OnnxModules.Conv(g, "layer4_rn", layer4Rn, levels[3], padding: 1);
        OnnxValue path4, path3, path2, path1;
        using (g.Scope("refinenet4")) path4 = refinenet4.EmitOnnx(g, l4, null, g.Shape(l3, 2, 4));
        using (g.Scope("refinenet3")) path3 = refinenet3.EmitOnnx(g, path4, l3, g.Shape(l2, 2, 4));
        using (g.Scope("refinenet2")) path2 = refinenet2.EmitOnnx(g, path3, l2, g.Shape(l1, 2, 4));
        using (g.Scope("refinenet1")) path1 = refinenet1.EmitOnnx(g, path2, l1, g.Mul(g.Shape(l1, 2, 4), g.Int64s(2, 2)));

        var head = g.ResizeLinearAlignCorners(OnnxModules.Conv(g, "output_conv1", outputConv1, path1, padding: 1), imageHW);
        var conv3 = (Conv2d)outputConv2.children().ElementAt(0);
        var conv1 = (Conv2d)outputConv2.children().ElementAt(2);
        var hidden = g.Relu(OnnxModules.Conv(g, "output_conv2.0", conv3, head, padding: 1));
        return g.Relu(OnnxModules.Conv(g, "output_conv2.2", conv1, hidden));
    }

    private static long[] SpatialSize(Tensor t) => [t.shape[2], t.shape[3]];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var m in new nn.Module[] { layer1Rn, layer2Rn, layer3Rn, layer4Rn, refinenet1, refinenet2, refinenet3, refinenet4, outputConv1, outputConv2 })
                m.Dispose();
        }
        base.Dispose(disposing);
    }
}
