namespace DepthNode.Distill.Training;

/// <summary>Where the local patches sit inside the shared-context crop.</summary>
public enum PatchPlacement
{
    /// <summary>The first N of the crop's corners (top-left, top-right, bottom-left, bottom-right), N ≤ 4.</summary>
    Corners,

    /// <summary>N positions drawn uniformly inside the crop.</summary>
    Random,
}

/// <summary>
/// The cross-context geometry: square crop side range, local patch side and count, in source-frame pixels.
/// </summary>
/// <remarks>
/// The paper crops squares of side U[644, short side] from ~1500-px SA-1B images, resizes them to the 560-px network
/// input, and gives the teacher 560-px local patches at native resolution, so each patch shows the teacher
/// s/560 ∈ [1.15, ~2.7] times more detail than the shared view. Our frames are 370–480 px high (KITTI 1242×375 /
/// 1226×370, NYU / SUN3D / 7-Scenes 640×480) and the teachers here take 224×224, so the same ratios are kept relative
/// to the teacher input p: patches are p native pixels (the teacher sees them 1:1), and crops are
/// s ∈ [⌈p·644/560⌉, short side] = [258, 370…480] for p = 224, i.e. 1.15–2.1× more detail in the patches. The
/// paper's 644 px itself would exceed every frame here. Four patches at the corners cover the whole crop whenever
/// s ≤ 2p (448 for p = 224); for the 449–480-px crops of 480-px frames a central band of at most 32 px is seen only
/// in the shared-context view.
/// </remarks>
public sealed record CrossContextOptions
{
    /// <summary>Paper: crops start at 644 px for a 560-px network input.</summary>
    public const double PaperMinCropOverInput = 644.0 / 560.0;

    /// <summary>Smallest crop side (px of the source frame).</summary>
    public int CropSideMin { get; init; } = 258;

    /// <summary>Largest crop side; 0 = the frame's short side.</summary>
    public int CropSideMax { get; init; }

    /// <summary>Side of each local patch in source pixels (the teacher's input side: native detail).</summary>
    public int PatchSide { get; init; } = 224;

    public int PatchCount { get; init; } = 4;

    public PatchPlacement Placement { get; init; } = PatchPlacement.Corners;

    /// <summary>The defaults above derived for a teacher input side (p): patches p, crops from ⌈p·644/560⌉.</summary>
    public static CrossContextOptions ForTeacherInput(int teacherInputSide) => new()
    {
        PatchSide = teacherInputSide,
        CropSideMin = (int)Math.Ceiling(teacherInputSide * PaperMinCropOverInput - 1e-9),
    };

    /// <summary>One line naming what is wrong, or null.</summary>
    public string? Validate()
    {
        if (CropSideMin < 1) return $"crop_side_min must be ≥ 1, got {CropSideMin}";
        if (CropSideMax != 0 && CropSideMax < CropSideMin) return $"crop_side_max ({CropSideMax}) is below crop_side_min ({CropSideMin})";
        if (PatchSide < 1) return $"patch_side must be ≥ 1, got {PatchSide}";
        if (PatchCount < 0) return $"patch_count must be ≥ 0, got {PatchCount}";
        if (Placement == PatchPlacement.Corners && PatchCount > 4) return $"patch_count {PatchCount} > 4 needs placement random (a square has 4 corners)";
        return null;
    }
}
