using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// Depth Anything's feature alignment: 1 − cos(f_i, f'_i) per token (or pixel), where the student's features are
/// already within the tolerance margin (1 − cos &lt; α, α = 0.15) the token is not considered.
/// </summary>
/// <remarks>
/// The excluded tokens contribute 0 and the sum is divided by all tokens (the 1/HW of the paper's formula), so the
/// loss falls smoothly as tokens reach the margin instead of jumping when easy ones leave the average. [inferred:
/// the reduction over the kept tokens is not given.] Cosines use PyTorch's eps 1e-8 on the norms.
/// </remarks>
public static class FeatureAlignmentLoss
{
    public const double DefaultMargin = 0.15;

    /// <summary>
    /// Student and frozen reference features of the same shape, channels along <paramref name="channelDim"/>
    /// ([B, N, C] tokens: −1; [B, C, h, w] maps: 1).
    /// </summary>
    public static Tensor Compute(Tensor student, Tensor reference, double margin = DefaultMargin, long channelDim = -1)
    {
        if (!student.shape.SequenceEqual(reference.shape))
            throw new ArgumentException(
                $"student features [{string.Join(',', student.shape)}] and reference features [{string.Join(',', reference.shape)}] must have the same shape (add a projection when the widths differ)");
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        using var limit = margin.ToScalar();
        using var tokens = ((double)student.numel() / student.shape[channelDim < 0 ? student.dim() + channelDim : channelDim]).ToScalar();
        var distance = nn.functional.cosine_similarity(student, reference.detach().to(student.dtype), channelDim, 1e-8).neg().add(one);
        var kept = distance.masked_fill(distance.detach().lt(limit), zero);
        return kept.sum().div(tokens).MoveToOuterDisposeScope();
    }
}
