using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>
/// Cuts a region out of a batch of maps [B, C, H, W] and resamples it to a given size: the student's prediction of
/// the whole crop cut to a local patch, and the teacher's patch prediction brought to the same size.
/// </summary>
/// <remarks>
/// Sampling uses align_corners = false semantics: pixel i covers [i, i+1), a box's edges are pixel edges, and output
/// pixel j of a box (x0, w) resampled to n pixels samples x0 + (j + 0.5)·w/n, bilinearly between the neighbouring
/// pixel centres (border pixels repeated outside). So the box (0, 0, W, H) at W×H returns the map itself, and a
/// box of an integer-aligned region at its own size returns exactly those pixels. Differentiable in the map.
/// </remarks>
public static class RoiResampler
{
    /// <summary>The box of every map of the batch, bilinearly resampled to outHeight × outWidth.</summary>
    public static Tensor Crop(Tensor maps, RoiBox box, int outHeight, int outWidth)
    {
        if (maps.dim() != 4) throw new ArgumentException($"maps must be [B, C, H, W], got [{string.Join(',', maps.shape)}]");
        if (outHeight < 1 || outWidth < 1) throw new ArgumentException($"output size {outHeight}×{outWidth} is empty");
        if (!(box.Width > 0 && box.Height > 0)) throw new ArgumentException($"RoI {box} is empty");
        using var scope = NewDisposeScope();
        var (h, w) = (maps.shape[2], maps.shape[3]);
        // grid_sample (align_corners = false) maps normalised −1 / +1 to the outer edges of the first / last pixel.
        // The sample positions are computed in C# (no implicit TorchSharp scalars; see ScaleShiftNormalizer).
        var xs = tensor(Enumerable.Range(0, outWidth).Select(j => (box.X + (j + 0.5) * box.Width / outWidth) * 2 / w - 1).ToArray());
        var ys = tensor(Enumerable.Range(0, outHeight).Select(i => (box.Y + (i + 0.5) * box.Height / outHeight) * 2 / h - 1).ToArray());
        var grid = stack([xs.unsqueeze(0).expand(outHeight, outWidth), ys.unsqueeze(1).expand(outHeight, outWidth)], dim: -1)
            .unsqueeze(0).expand(maps.shape[0], outHeight, outWidth, 2).to(maps.dtype, maps.device);
        return nn.functional.grid_sample(maps, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Whole maps resized to outHeight × outWidth: area averaging when shrinking in both directions (the teacher's
    /// high-detail patch brought down to the student's pixels), bilinear (align_corners = false) otherwise.
    /// </summary>
    public static Tensor Resize(Tensor maps, int outHeight, int outWidth)
    {
        if (maps.shape[2] == outHeight && maps.shape[3] == outWidth) return maps.alias();
        var shrink = outHeight <= maps.shape[2] && outWidth <= maps.shape[3];
        return nn.functional.interpolate(maps, [outHeight, outWidth],
            mode: shrink ? InterpolationMode.Area : InterpolationMode.Bilinear, align_corners: shrink ? null : false);
    }
}
