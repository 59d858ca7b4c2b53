using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// L_Dis of Distill-Any-Depth (Eq. 1–6): the masked L1 distance between a student and a teacher disparity map after
/// the chosen <see cref="DepthNormalization"/>. Maps are [B, 1, H, W] or [B, H, W]; the mask is bool of the same
/// shape (true = valid).
/// </summary>
/// <remarks>
/// Reduction as HDN's: per pixel, the errors of the contexts that contain it are averaged (Eq. 3); the per-pixel
/// values of the whole batch are summed and divided by the number of valid pixels of the whole batch (Eq. 4,
/// HDN's <c>mask_valid.sum()</c>). A batch without valid pixels gives 0 instead of HDN's NaN.
/// </remarks>
public static class DisparityLoss
{
    /// <summary>L_Dis for one batch of pairs.</summary>
    public static Tensor Compute(Tensor student, Tensor teacher, Tensor mask, DepthNormalization normalization)
    {
        CheckPair(student, teacher, mask);
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        var batch = student.shape[0];
        var s = student.reshape(batch, -1);
        var m = mask.reshape(batch, -1);
        // Teachers mark missing values with NaN / ∞; zeroed here so no NaN reaches a product or a gradient.
        var t = teacher.reshape(batch, -1).to(s.dtype).detach().masked_fill(m.logical_not(), zero);
        var validCount = m.sum(type: s.dtype).clamp_min(one);

        if (normalization == DepthNormalization.None)
            return ((s - t).abs().masked_fill(m.logical_not(), zero).sum() / validCount).MoveToOuterDisposeScope();

        var contexts = DepthRangeContexts.Build(t, m, DepthRangeContexts.BinsPerLevel(normalization));
        var c = contexts.shape[0];
        var pixels = s.shape[1];
        var flatContexts = contexts.reshape(c * batch, pixels);
        var (ns, _, _) = ScaleShiftNormalizer.Normalize(s.unsqueeze(0).expand(c, batch, pixels).reshape(c * batch, pixels), flatContexts);
        var (nt, _, _) = ScaleShiftNormalizer.Normalize(t.unsqueeze(0).expand(c, batch, pixels).reshape(c * batch, pixels), flatContexts);
        var error = (ns - nt).abs().masked_fill(flatContexts.logical_not(), zero).reshape(c, batch, pixels).sum([0]);
        var contextsPerPixel = contexts.sum([0], type: s.dtype).clamp_min(one);
        return ((error / contextsPerPixel).sum() / validCount).MoveToOuterDisposeScope();
    }

    internal static void CheckPair(Tensor student, Tensor teacher, Tensor mask)
    {
        if (!student.shape.SequenceEqual(teacher.shape) || !student.shape.SequenceEqual(mask.shape))
            throw new ArgumentException(
                $"student [{string.Join(',', student.shape)}], teacher [{string.Join(',', teacher.shape)}] and mask [{string.Join(',', mask.shape)}] must have the same shape");
        if (mask.dtype != ScalarType.Bool)
            throw new ArgumentException($"the valid mask must be bool, not {mask.dtype}");
        if (student.dim() < 2)
            throw new ArgumentException($"maps must be batched ([B, H, W] or [B, 1, H, W]), got [{string.Join(',', student.shape)}]");
    }
}
