using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// MiDaS' multi-scale gradient matching (the L_grad Distill-Any-Depth takes from Depth Anything V2): on the residual
/// R = N(d_s) − N(d_t) of the normalised pair, Σ_k Σ_i (|∇x R^k_i|·m_x + |∇y R^k_i|·m_y) / Σ_i m^k_i, with R^k and m^k
/// the maps subsampled with step 2^k (k = 0..scales−1) and m_x = m_i·m_{i+1} (both neighbours valid).
/// </summary>
/// <remarks>
/// Batch-based reduction as MiDaS': each scale's sum over the batch is divided by the batch's valid count at that
/// scale (a scale without valid pixels adds 0), and the scales are summed. Which normalisation feeds it is not
/// given by the paper; <see cref="DistillationLoss"/> passes the globally normalised shared-context pair.
/// </remarks>
public static class GradientMatchingLoss
{
    public const int DefaultScales = 4;

    /// <summary>L_grad of normalised maps [B, 1, H, W] or [B, H, W] and their valid mask.</summary>
    public static Tensor Compute(Tensor studentNormalized, Tensor teacherNormalized, Tensor mask, int scales = DefaultScales)
    {
        DisparityLoss.CheckPair(studentNormalized, teacherNormalized, mask);
        if (scales < 1) throw new ArgumentOutOfRangeException(nameof(scales), scales, "at least one scale");
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        var (h, w) = (studentNormalized.shape[^2], studentNormalized.shape[^1]);
        var batch = studentNormalized.shape[0];
        var invalid = mask.reshape(batch, h, w).logical_not();
        var residual = (studentNormalized - teacherNormalized.to(studentNormalized.dtype)).reshape(batch, h, w).masked_fill(invalid, zero);
        var valid = invalid.logical_not().to(residual.dtype);
        var total = zeros(1, dtype: residual.dtype, device: residual.device).squeeze();
        for (var k = 0; k < scales; k++)
        {
            var step = 1L << k;
            var r = residual[.., TensorIndex.Slice(null, null, step), TensorIndex.Slice(null, null, step)];
            var m = valid[.., TensorIndex.Slice(null, null, step), TensorIndex.Slice(null, null, step)];
            var count = m.sum().clamp_min(one); // no valid pixel: the numerator is 0 too, as MiDaS' "return 0"
            var mx = m[.., .., 1..] * m[.., .., ..^1];
            var my = m[.., 1.., ..] * m[.., ..^1, ..];
            var gx = (r[.., .., 1..] - r[.., .., ..^1]).abs() * mx;
            var gy = (r[.., 1.., ..] - r[.., ..^1, ..]).abs() * my;
            total = total + (gx.sum() + gy.sum()) / count;
        }
        return total.MoveToOuterDisposeScope();
    }
}
