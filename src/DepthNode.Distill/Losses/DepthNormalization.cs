namespace DepthNode.Distill.Losses;

/// <summary>
/// How a student / teacher disparity pair is normalised before the masked L1 comparison (Distill-Any-Depth §3.1,
/// Table 1). The contexts of <see cref="Local"/> and <see cref="Hybrid"/> are depth-range bins of the teacher map.
/// </summary>
public enum DepthNormalization
{
    /// <summary>Raw L1 on disparities (Eq. 6); the ablation that collapses for local-global pairs.</summary>
    None,

    /// <summary>One context, the whole valid mask: median / mean-absolute-deviation (SSI, Eq. 1–2).</summary>
    Global,

    /// <summary>Only the finest level: 4 depth-range bins, each pixel normalised in its own bin (Eq. 5).</summary>
    Local,

    /// <summary>HDN depth-range contexts at 1, 2 and 4 bins (7 contexts), averaged per pixel (Eq. 3–4).</summary>
    Hybrid,
}
