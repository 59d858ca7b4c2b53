using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>One local-global pair: the student's map cut to a patch region, the teacher's patch map resized to it.</summary>
public sealed record PatchPair(Tensor Student, Tensor Teacher, Tensor Mask);

/// <summary>
/// The total loss of one training step (Distill-Any-Depth Eq. 9): shared-context L_sc on the student's and teacher's
/// predictions of the same view, local-global L_lg averaged over the patch pairs (each normalised on its own),
/// feature alignment when features are given, gradient matching on the globally normalised shared-context pair, and
/// the optional output anchor.
/// </summary>
public sealed class DistillationLoss
{
    private readonly DistillationLossOptions _options;

    public DistillationLoss(DistillationLossOptions options)
    {
        if (options.Validate() is { } error) throw new ArgumentException(error, nameof(options));
        _options = options;
    }

    public DistillationLossOptions Options => _options;

    /// <summary>
    /// The weighted total (a tensor for backward, owned by the caller's dispose scope) and each term as a number for
    /// logging. Maps are [B, 1, H, W]; <paramref name="patches"/> may be empty (shared-context only);
    /// <paramref name="studentFeatures"/> and <paramref name="referenceFeatures"/> are both given or both null.
    /// </summary>
    public DistillationLossTerms Compute(Tensor student, Tensor teacher, Tensor mask,
        IReadOnlyList<PatchPair>? patches = null, Tensor? studentFeatures = null, Tensor? referenceFeatures = null,
        long featureChannelDim = -1)
    {
        if ((studentFeatures is null) != (referenceFeatures is null))
            throw new ArgumentException("student and reference features must be given together");
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        using var scWeight = _options.SharedContextWeight.ToScalar();
        using var lgWeight = _options.LocalGlobalWeight.ToScalar();
        using var featWeight = _options.FeatureWeight.ToScalar();
        using var gradWeight = _options.GradientWeight.ToScalar();
        using var anchorWeight = _options.AnchorWeight.ToScalar();
        using var patchCount = ((double)(patches?.Count ?? 1)).ToScalar();
        var sc = DisparityLoss.Compute(student, teacher, mask, _options.SharedContextNormalization);
        var total = sc.mul(scWeight);

        var lg = zeros_like(sc);
        if (patches is { Count: > 0 })
        {
            foreach (var p in patches)
                lg = lg + DisparityLoss.Compute(p.Student, p.Teacher, p.Mask, _options.LocalGlobalNormalization);
            lg = lg.div(patchCount);
            total = total + lg.mul(lgWeight);
        }

        var feat = zeros_like(sc);
        if (studentFeatures is not null && _options.FeatureWeight > 0)
        {
            feat = FeatureAlignmentLoss.Compute(studentFeatures, referenceFeatures!, _options.FeatureMargin, featureChannelDim);
            total = total + feat.mul(featWeight);
        }

        var grad = zeros_like(sc);
        if (_options.GradientWeight > 0)
        {
            var batch = student.shape[0];
            var m = mask.reshape(batch, -1);
            var (ns, _, _) = ScaleShiftNormalizer.Normalize(student.reshape(batch, -1), m);
            var (nt, _, _) = ScaleShiftNormalizer.Normalize(teacher.reshape(batch, -1).to(student.dtype).detach().masked_fill(m.logical_not(), zero), m);
            grad = GradientMatchingLoss.Compute(ns.reshape(student.shape), nt.reshape(student.shape), mask, _options.GradientScales);
            total = total + grad.mul(gradWeight);
        }

        var (anchor, studentStats, teacherStats) = OutputAnchorLoss.Compute(student, teacher, mask);
        if (_options.AnchorWeight > 0) total = total + anchor.mul(anchorWeight);

        return new DistillationLossTerms(total.MoveToOuterDisposeScope(),
            sc.to(ScalarType.Float64).item<double>(), lg.to(ScalarType.Float64).item<double>(), feat.to(ScalarType.Float64).item<double>(), grad.to(ScalarType.Float64).item<double>(), anchor.to(ScalarType.Float64).item<double>(),
            studentStats, teacherStats);
    }
}

/// <summary>
/// The weighted total (for backward) and the unweighted terms and output statistics of one step (for the metrics
/// CSV and the report; the student's median / MAD show drift).
/// </summary>
public sealed record DistillationLossTerms(
    Tensor Total,
    double SharedContext,
    double LocalGlobal,
    double Feature,
    double Gradient,
    double Anchor,
    OutputStatistics Student,
    OutputStatistics Teacher);
