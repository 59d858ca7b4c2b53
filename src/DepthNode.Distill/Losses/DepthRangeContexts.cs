using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// HDN's depth-range ("DR") contexts: for each level with S bins, the teacher's valid range [min, max] is cut into S
/// equal bins and each bin (restricted to the valid mask) is one context. The bins come from the teacher map only and
/// are shared by both maps of the pair.
/// </summary>
/// <remarks>
/// Bin k of S holds the valid pixels with min + (max−min)·k/S ≤ t &lt; min + (max−min)·(k+1)/S + 1e-30, as HDN
/// writes it. In float arithmetic max + 1e-30 == max for any max above ~1e-23, so taken literally the teacher's
/// maximum pixels would fall in no context at all (HDN still counts them in the denominator, with zero loss). The
/// epsilon is clearly meant to close the top bin, so the top bin here is closed explicitly (t ≤ max): every valid
/// pixel is in exactly one bin per level. Interior bounds are computed identically for the bin below and above, so
/// no pixel is in two bins of a level.
/// </remarks>
public static class DepthRangeContexts
{
    /// <summary>Upper-bound epsilon of HDN's bins (kept for interior bounds; it vanishes in float arithmetic).</summary>
    public const double UpperEpsilon = 1e-30;

    /// <summary>Bins per level of each normalisation: Global one context (the mask), Local {4}, Hybrid {1, 2, 4}.</summary>
    public static IReadOnlyList<int> BinsPerLevel(DepthNormalization kind) => kind switch
    {
        DepthNormalization.Global => [1],
        DepthNormalization.Local => [4],
        DepthNormalization.Hybrid => [1, 2, 4],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "raw L1 has no normalisation contexts"),
    };

    /// <summary>
    /// Context masks [C, B, N] (bool) for a teacher [B, N] and its valid mask [B, N]; C = the sum of the bin counts.
    /// An image without valid pixels gets empty contexts.
    /// </summary>
    public static Tensor Build(Tensor teacher, Tensor mask, IReadOnlyList<int> binsPerLevel)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var infinity = double.PositiveInfinity.ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        using var epsilon = UpperEpsilon.ToScalar();
        var t = teacher.detach();
        var min = t.masked_fill(mask.logical_not(), infinity).amin([1], keepdim: true);
        var max = t.masked_fill(mask.logical_not(), minusInfinity).amax([1], keepdim: true);
        var range = max - min;
        var contexts = new List<Tensor>();
        foreach (var bins in binsPerLevel)
        {
            if (bins < 1) throw new ArgumentOutOfRangeException(nameof(binsPerLevel), bins, "a level needs at least one bin");
            var size = 1.0 / bins;
            for (var k = 0; k < bins; k++)
            {
                using var from = (k * size).ToScalar();
                using var to = ((k + 1) * size).ToScalar();
                var lower = min + range.mul(from);
                var inBin = k == bins - 1
                    ? t >= lower & t <= max
                    : t >= lower & t < (min + range.mul(to)).add(epsilon);
                contexts.Add(inBin & mask);
            }
        }
        return stack(contexts).MoveToOuterDisposeScope();
    }
}
