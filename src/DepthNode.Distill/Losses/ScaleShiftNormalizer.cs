using TorchSharp;
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
/// Scalars are explicit `using` locals throughout this folder: TorchSharp's implicit double → Scalar conversions
/// are freed by the finalizer, which can run while the native call that uses them is still executing (seen here
/// as a corrupt scalar under parallel tests).
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
        using var infinity = double.PositiveInfinity.ToScalar();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        using var epsilon = ScaleEpsilon.ToScalar();
        var count = context.sum([1], keepdim: true, type: values.dtype);
        var sorted = values.masked_fill(context.logical_not(), infinity).sort(1).Values;
        var middle = count.sub(one).clamp_min(zero).div(two).floor().to(ScalarType.Int64);
        var median = sorted.gather(1, middle).masked_fill(count.eq(zero), zero);
        var centred = values - median;
        var deviation = centred.abs().masked_fill(context.logical_not(), zero).sum([1], keepdim: true);
        var scale = deviation.div(count.add(one)).add(epsilon);
        var normalized = centred / scale;
        return (normalized.MoveToOuterDisposeScope(), median.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope());
    }
}
