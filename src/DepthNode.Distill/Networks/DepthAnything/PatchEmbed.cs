using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>Cuts the image into 14×14 patches and embeds each one: a 14×14 convolution with stride 14.</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    public PatchEmbed(int embedDim) : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(3, embedDim, DepthAnythingSize.PatchSize, stride: DepthAnythingSize.PatchSize);
        RegisterComponents();
    }

    /// <summary>[B,3,H,W] → tokens [B, (H/14)·(W/14), C] in row-major patch order.</summary>
    public override Tensor forward(Tensor image)
    {
        using var grid = proj.forward(image);
        return grid.flatten(2).transpose(1, 2);
    }

    /// <summary>ONNX of <see cref="forward"/>; also returns the patch grid [ph, pw] (int64 [2]) for the dynamic sizes.</summary>
    internal (OnnxValue Tokens, OnnxValue Grid) EmitOnnx(OnnxGraphBuilder g, OnnxValue image)
    {
        var grid = OnnxModules.Conv(g, "proj", proj, image, stride: DepthAnythingSize.PatchSize);
        return (g.Transpose(g.Reshape(grid, 0, 0, -1), 0, 2, 1), g.Shape(grid, 2, 4));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) proj.Dispose();
        base.Dispose(disposing);
    }
}
