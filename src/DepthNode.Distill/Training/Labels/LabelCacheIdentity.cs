namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// What a pseudo-label cache was made with: the teacher (name and weights' sha256), the pre-processing of its input,
/// the crop geometry, the seed of the views and how many views per frame. A cache is only used by a run whose
/// identity is equal; anything else would silently train on another teacher's or crop's labels.
/// </summary>
public sealed record LabelCacheIdentity(
    string TeacherName,
    string TeacherSha256,
    string Preprocessing,
    string Geometry,
    int Seed,
    int ViewsPerFrame)
{
    /// <summary>A one-line description of every field that differs from <paramref name="expected"/>, or null.</summary>
    public string? DifferencesFrom(LabelCacheIdentity expected)
    {
        var d = new List<string>();
        if (TeacherSha256 != expected.TeacherSha256 || TeacherName != expected.TeacherName)
            d.Add($"teacher {TeacherName} (sha256 {Short(TeacherSha256)}), not {expected.TeacherName} (sha256 {Short(expected.TeacherSha256)})");
        if (Preprocessing != expected.Preprocessing) d.Add($"pre-processing '{Preprocessing}', not '{expected.Preprocessing}'");
        if (Geometry != expected.Geometry) d.Add($"crop geometry '{Geometry}', not '{expected.Geometry}'");
        if (Seed != expected.Seed) d.Add($"seed {Seed}, not {expected.Seed}");
        if (ViewsPerFrame != expected.ViewsPerFrame) d.Add($"{ViewsPerFrame} views per frame, not {expected.ViewsPerFrame}");
        return d.Count == 0 ? null : string.Join("; ", d);
    }

    /// <summary>The geometry field for a set of crop options (every setting that changes the crops).</summary>
    public static string DescribeGeometry(CrossContextOptions o) =>
        $"crop {o.CropSideMin}-{(o.CropSideMax == 0 ? "short" : o.CropSideMax.ToString())}, patch {o.PatchSide} x{o.PatchCount} {o.Placement.ToString().ToLowerInvariant()}";

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;
}
