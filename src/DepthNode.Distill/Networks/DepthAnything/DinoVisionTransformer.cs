using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// The DINOv2 ViT/14 encoder. Its output is not the last block but the patch tokens of the size's four tap blocks,
/// each passed through the final LayerNorm (the CLS token is dropped: the head does not use it).
/// </summary>
public sealed class DinoVisionTransformer : nn.Module<Tensor, Tensor[]>
{
    /// <summary>DINOv2's interpolation offset: the target grid is asked for as (n + 0.1) / 37 times the stored one.</summary>
    public const double InterpolateOffset = 0.1;

    [ComponentName(Name = "patch_embed")] private readonly PatchEmbed patchEmbed;
    [ComponentName(Name = "cls_token")] private readonly Parameter clsToken;
    [ComponentName(Name = "pos_embed")] private readonly Parameter posEmbed;
    // Used only by DINOv2's masked pre-training; kept because every published checkpoint carries it.
    [ComponentName(Name = "mask_token")] private readonly Parameter maskToken;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;
    private readonly int[] taps;

    public DinoVisionTransformer(DepthAnythingSize size) : base(nameof(DinoVisionTransformer))
    {
        Size = size;
        taps = size.TapBlocks;
        patchEmbed = new PatchEmbed(size.EmbedDim);
        // Initialised as DINOv2 does (cls ~ N(0, 1e-6), pos ~ N(0, 0.02)); loaded checkpoints overwrite them.
        clsToken = nn.Parameter(randn(1, 1, size.EmbedDim) * 1e-6);
        posEmbed = nn.Parameter(randn(1, 1 + DepthAnythingSize.PositionGrid * DepthAnythingSize.PositionGrid, size.EmbedDim) * 0.02);
        maskToken = nn.Parameter(zeros(1, size.EmbedDim));
        blocks = nn.ModuleList(Enumerable.Range(0, size.Depth).Select(_ => new TransformerBlock(size.EmbedDim, size.Heads)).ToArray());
        norm = nn.LayerNorm(size.EmbedDim, eps: TransformerBlock.LayerNormEps);
        RegisterComponents();
    }

    public DepthAnythingSize Size { get; }

    /// <summary>[B,3,H,W] (H, W multiples of 14) → four normalised patch-token tensors [B, (H/14)·(W/14), C].</summary>
    public override Tensor[] forward(Tensor image)
    {
        if (image.ndim != 4 || image.shape[1] != 3)
            throw new ArgumentException($"{Size.Name}: input must be [B,3,H,W], got [{string.Join(",", image.shape)}]");
        long h = image.shape[2], w = image.shape[3];
        if (h % DepthAnythingSize.PatchSize != 0 || w % DepthAnythingSize.PatchSize != 0)
            throw new ArgumentException($"{Size.Name}: input height and width must be multiples of 14, got {h}×{w}");

        using var scope = NewDisposeScope();
        var patches = patchEmbed.forward(image);
        var cls = clsToken.expand(image.shape[0], -1, -1);
        var x = cat([cls, patches], 1) + PositionEmbedding(h / DepthAnythingSize.PatchSize, w / DepthAnythingSize.PatchSize);

        var tapped = new List<Tensor>(taps.Length);
        for (var i = 0; i < blocks.Count; i++)
        {
            x = blocks[i].forward(x);
            if (taps.Contains(i)) tapped.Add(norm.forward(x)[.., 1..]);
        }
        foreach (var t in tapped) t.MoveToOuterDisposeScope();
        return [.. tapped];
    }

    /// <summary>
    /// The position embeddings for a ph×pw patch grid: the stored 37×37 grid resampled bicubically
    /// (align_corners=False, no antialias) with scale_factor ((ph+0.1)/37, (pw+0.1)/37), as the official code asks
    /// for it. Passing the scale, not the size, matters: it sets the sampling positions (src = (dst+0.5)/scale − 0.5),
    /// so a size-based resample lands elsewhere and changes the output by ~1e-2 relative.
    /// </summary>
    public Tensor PositionEmbedding(long ph, long pw)
    {
        const int grid = DepthAnythingSize.PositionGrid;
        if (ph == grid && pw == grid) return posEmbed.alias();

        using var scope = NewDisposeScope();
        var c = posEmbed.shape[2];
        var clsPosition = posEmbed[.., ..1];
        var stored = posEmbed[.., 1..].reshape(1, grid, grid, c).permute(0, 3, 1, 2);
        var scales = new[] { (ph + InterpolateOffset) / grid, (pw + InterpolateOffset) / grid };
        var resampled = nn.functional.interpolate(stored, scale_factor: scales, mode: InterpolationMode.Bicubic,
            align_corners: false, recompute_scale_factor: false, antialias: false);
        if (resampled.shape[2] != ph || resampled.shape[3] != pw)
            throw new InvalidOperationException($"position embeddings resampled to {resampled.shape[2]}×{resampled.shape[3]}, expected {ph}×{pw}");
        var patchPositions = resampled.permute(0, 2, 3, 1).reshape(1, ph * pw, c);
        return cat([clsPosition, patchPositions], 1).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            patchEmbed.Dispose();
            clsToken.Dispose();
            posEmbed.Dispose();
            maskToken.Dispose();
            blocks.Dispose();
            norm.Dispose();
        }
        base.Dispose(disposing);
    }
}
