using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// The global scale-and-shift-invariant normalisation of MiDaS / HDN: (d − median) / (Σ|d − median| / (M + 1) + 1e-6)
/// over the pixels of a context. Rows are independent, so a batch of images or of (context, image) pairs is one call.
/// </summary>
/// <remarks>
/// HDN's conventions, kept exactly: the mean absolute deviation divides by M + 1 (not M), and 1e-6 is added to the
/// scale. The median is the lower median (element ⌊(M−1)/2⌋ of the sorted valid values), which is what
/// torch.nanmedian returns; an empty context gets median 0 like HDN's NaN → 0. The median is taken by sorting with
/// the invalid pixels set to +∞, so its gradient reaches the median element as in PyTorch.
/// </remarks>
public static class ScaleShiftNormalizer
{
    /// <summary>Added to the scale so a flat context does not divide by zero (HDN).</summary>
    public const double ScaleEpsilon = 1e-6;

    /// <summary>
    /// Normalises each row of <paramref name="values"/> [R, N] over the pixels where <paramref name="context"/> [R, N]
    /// is true. Returns the normalised rows (values outside the context are normalised too but carry no meaning),
    /// the medians [R, 1] and the scales [R, 1] (mean absolute deviation with the M + 1 and 1e-6 conventions).
    /// </summary>
    public static (Tensor Normalized, Tensor Median, Tensor Scale) Normalize(Tensor values, Tensor context)
    {
        using var scope = NewDisposeScope();
        var count = context.sum([1], keepdim: true, type: values.dtype);
        var sorted = values.masked_fill(context.logical_not(), double.PositiveInfinity).sort(1).Values;
        var middle = ((count - 1).clamp_min(0) / 2).floor().to(ScalarType.Int64);
        var median = sorted.gather(1, middle).masked_fill(count == 0, 0.0);
        var centred = values - median;
        var deviation = centred.abs().masked_fill(context.logical_not(), 0.0).sum([1], keepdim: true);
        var scale = deviation / (count + 1) + ScaleEpsilon;
        var normalized = centred / scale;
        return (normalized.MoveToOuterDisposeScope(), median.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope());
    }
}
