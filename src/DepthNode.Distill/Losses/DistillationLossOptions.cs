namespace DepthNode.Distill.Losses;

/// <summary>
/// Weights and choices of the total loss L = w_sc·L_sc + w_lg·L_lg + w_feat·L_feat + w_grad·L_grad + w_anchor·L_anchor.
/// Defaults: the paper's 1 / 0.5 / 1.0 / 2.0 (Eq. 9, §4.1) with hybrid normalisation for both distillation terms
/// (best in Table 1), plus the output anchor at 0.01 (not in the paper; see <see cref="OutputAnchorLoss"/>).
/// </summary>
public sealed record DistillationLossOptions
{
    public double SharedContextWeight { get; init; } = 1.0;
    public double LocalGlobalWeight { get; init; } = 0.5;
    public double FeatureWeight { get; init; } = 1.0;
    public double GradientWeight { get; init; } = 2.0;

    /// <summary>
    /// On by default, weakly: it only acts on the student's affine frame, which every other term ignores, so it
    /// cannot pull against the distillation, and it stops the output drift reported by people reproducing the
    /// method. 0 switches it off (the paper's loss exactly).
    /// </summary>
    public double AnchorWeight { get; init; } = 0.01;

    public DepthNormalization SharedContextNormalization { get; init; } = DepthNormalization.Hybrid;
    public DepthNormalization LocalGlobalNormalization { get; init; } = DepthNormalization.Hybrid;
    public int GradientScales { get; init; } = GradientMatchingLoss.DefaultScales;
    public double FeatureMargin { get; init; } = FeatureAlignmentLoss.DefaultMargin;

    /// <summary>One line naming what is wrong, or null.</summary>
    public string? Validate()
    {
        foreach (var (name, value) in new[] {
            ("shared_context_weight", SharedContextWeight), ("local_global_weight", LocalGlobalWeight),
            ("feature_weight", FeatureWeight), ("gradient_weight", GradientWeight), ("anchor_weight", AnchorWeight) })
            if (!double.IsFinite(value) || value < 0) return $"loss weight {name} must be a finite number ≥ 0, got {value}";
        if (GradientScales < 1) return $"gradient_scales must be ≥ 1, got {GradientScales}";
        if (!(FeatureMargin >= 0 && FeatureMargin < 2)) return $"feature_margin must be in [0, 2), got {FeatureMargin}";
        return null;
    }
}
