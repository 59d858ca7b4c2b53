using DepthNode.Distill.Export;
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

    /// <summary>ONNX of <see cref="forward"/> for any H, W (multiples of 14): the tapped tokens and the patch grid.</summary>
    internal (OnnxValue[] Taps, OnnxValue Grid) EmitOnnx(OnnxGraphBuilder g, OnnxValue image)
    {
        var c = Size.EmbedDim;
        OnnxValue tokens, grid;
        using (g.Scope("patch_embed")) (tokens, grid) = patchEmbed.EmitOnnx(g, image);
        var cls = g.Node("Expand", [g.Parameter("cls_token", clsToken), g.Concat(0, g.Shape(tokens, 0, 1), g.Int64s(1, c))]);
        var x = g.Add(g.Concat(1, cls, tokens), EmitPositionEmbedding(g, grid));

        var (normWeight, normBias) = OnnxModules.LayerNormParameters(g, "norm", norm);
        var tapped = new List<OnnxValue>();
        for (var i = 0; i < blocks.Count; i++)
        {
            using (g.Scope($"blocks.{i}")) x = blocks[i].EmitOnnx(g, x, c);
            if (taps.Contains(i))
                tapped.Add(g.Slice(g.LayerNormalization(x, normWeight, normBias, (float)TransformerBlock.LayerNormEps), [1], [long.MaxValue], [1]));
        }
        return ([.. tapped], grid);
    }

    /// <summary>
    /// <see cref="PositionEmbedding"/> in the graph: Resize (cubic, a = −0.75, half_pixel, scales input) with scales
    /// ((ph + 0.1)/37, (pw + 0.1)/37) computed from the input's shape, which samples where torch's
    /// interpolate(scale_factor=…) does; on a 37×37 grid the scales are exactly 1, which reproduces the stored table
    /// (the official code skips the resampling there).
    /// </summary>
    private OnnxValue EmitPositionEmbedding(OnnxGraphBuilder g, OnnxValue grid)
    {
        const int side = DepthAnythingSize.PositionGrid;
        var c = Size.EmbedDim;
        var table = g.Parameter("pos_embed", posEmbed);
        var clsPosition = g.Slice(table, [0], [1], [1]);
        var stored = g.Transpose(g.Reshape(g.Slice(table, [1], [long.MaxValue], [1]), 1, side, side, c), 0, 3, 1, 2);

        var requested = g.Div(g.Add(g.Cast(grid, OnnxTensors.Float), g.Float32s((float)InterpolateOffset)), g.Float32s(side));
        var isStored = g.Node("ReduceMin", [g.Cast(g.Node("Equal", [grid, g.Int64s(side, side)]), OnnxTensors.Int64)], OnnxAttributes.Int("keepdims", 0));
        var scales = g.Node("Where", [g.Cast(isStored, (int)Onnx.TensorProto.Types.DataType.Bool), g.Float32s(1f, 1f), requested]);
        var resampled = g.ResizeCubic(stored, scales);
        var patchPositions = g.Reshape(g.Transpose(resampled, 0, 2, 3, 1), 1, -1, c);
        return g.Concat(1, clsPosition, patchPositions);
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
