using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// The DPT head: each tapped token map is reshaped to its patch grid, projected (1×1) and reassembled to its own
/// resolution (×4 and ×2 by transposed convolutions, ×1, ÷2 by a strided 3×3 convolution), then fused by the scratch
/// part into one disparity map at the input resolution.
/// </summary>
public sealed class DptHead : nn.Module
{
    private readonly ModuleList<Conv2d> projects;
    [ComponentName(Name = "resize_layers")] private readonly ModuleList<nn.Module<Tensor, Tensor>> resizeLayers;
    private readonly DptScratch scratch;

    public DptHead(DepthAnythingSize size) : base(nameof(DptHead))
    {
        var oc = size.OutChannels;
        projects = nn.ModuleList(oc.Select(c => nn.Conv2d(size.EmbedDim, c, 1)).ToArray());
        resizeLayers = nn.ModuleList<nn.Module<Tensor, Tensor>>(
            nn.ConvTranspose2d(oc[0], oc[0], 4, stride: 4),
            nn.ConvTranspose2d(oc[1], oc[1], 2, stride: 2),
            nn.Identity(),
            nn.Conv2d(oc[3], oc[3], 3, stride: 2, padding: 1));
        scratch = new DptScratch(oc, size.Features);
        RegisterComponents();
    }

    /// <summary>Four token tensors [B, ph·pw, C] → depth [B,1,14·ph,14·pw].</summary>
    public Tensor Decode(Tensor[] tokens, long ph, long pw)
    {
        using var scope = NewDisposeScope();
        var levels = new Tensor[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            var grid = t.permute(0, 2, 1).reshape(t.shape[0], t.shape[2], ph, pw);
            levels[i] = resizeLayers[i].forward(projects[i].forward(grid));
        }
        return scratch.Fuse(levels, ph, pw).MoveToOuterDisposeScope();
    }

    /// <param name="grid">The patch grid [ph, pw], int64 [2]; <paramref name="imageHW"/> the input's [H, W].</param>
    internal OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue[] tokens, OnnxValue grid, OnnxValue imageHW)
    {
        var levels = new OnnxValue[tokens.Length];
        // [B, N, C] → [B, C, ph, pw]: Reshape's 0 keeps B and C from the transposed tokens.
        var gridShape = g.Concat(0, g.Int64s(0, 0), grid);
        for (var i = 0; i < tokens.Length; i++)
        {
            var projected = OnnxModules.Conv(g, $"projects.{i}", projects[i], g.Reshape(g.Transpose(tokens[i], 0, 2, 1), gridShape));
            levels[i] = resizeLayers[i] switch
            {
                ConvTranspose2d up => OnnxModules.ConvTranspose(g, $"resize_layers.{i}", up, projected),
                Conv2d down => OnnxModules.Conv(g, $"resize_layers.{i}", down, projected, stride: 2, padding: 1),
                _ => projected,
            };
        }
        using (g.Scope("scratch")) return scratch.EmitOnnx(g, levels, imageHW);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            projects.Dispose();
            resizeLayers.Dispose();
            scratch.Dispose();
        }
        base.Dispose(disposing);
    }
}
