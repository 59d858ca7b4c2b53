using DepthNode.CommandLine;

namespace DepthNode.Evaluation;

/// <summary>One RGB frame and its depth ground truth.</summary>
public sealed record EvalFrame(string Name, string RgbPath, string DepthPath);

/// <summary>
/// A folder of frames with ground truth, in one of three public layouts: NYU (<c>rgb_*.jpg</c> +
/// <c>sync_depth_*.png</c>, and <c>*_rgb.png</c> + <c>*_depth.png</c>, mm), KITTI (<c>rgb/</c> + <c>depth/</c>, value/256 m) or SUN3D/3DMatch
/// (<c>frame-*.color.png</c> + <c>frame-*.depth.png</c>, mm). 0 = no measurement. Depth caps are the standard ones:
/// indoor 1e-3..10 m, KITTI 1e-3..80 m.
/// </summary>
public sealed record EvalDataset(string Layout, string Folder, double MetresPerUnit, float MinDepth, float MaxDepth, IReadOnlyList<EvalFrame> Frames)
{
    public string? CameraInfoPath => File.Exists(Path.Combine(Folder, "camera_info.yaml")) ? Path.Combine(Folder, "camera_info.yaml") : null;

    /// <param name="what">How the folder was given, for the error messages (<c>--data</c>, or the config key).</param>
    public static EvalDataset Detect(string folder, string what = "--data")
    {
        if (!Directory.Exists(folder)) throw new CliException($"{what} {folder}: no such folder");
        var full = Path.GetFullPath(folder);
        if (Directory.Exists(Path.Combine(full, "rgb")) && Directory.Exists(Path.Combine(full, "depth")))
        {
            var frames = Directory.GetFiles(Path.Combine(full, "rgb"), "*.png").Order(StringComparer.Ordinal)
                .Select(rgb => new EvalFrame(Path.GetFileNameWithoutExtension(rgb), rgb, Partner(rgb, Path.Combine(full, "depth", Path.GetFileName(rgb))))).ToList();
            return Checked(what, new EvalDataset("kitti", full, 1.0 / 256, 1e-3f, 80f, frames));
        }
        var nyu = Directory.GetFiles(full, "rgb_*.jpg").Order(StringComparer.Ordinal).ToList();
        if (nyu.Count > 0)
        {
            var frames = nyu.Select(rgb =>
            {
                var id = Path.GetFileNameWithoutExtension(rgb)["rgb_".Length..];
                return new EvalFrame(id, rgb, Partner(rgb, Path.Combine(full, $"sync_depth_{id}.png")));
            }).ToList();
            // NYU frames redistributed by other projects come as <name>_rgb.png + <name>_depth.png (same units).
            frames.AddRange(Directory.GetFiles(full, "*_rgb.png").Order(StringComparer.Ordinal).Select(rgb =>
            {
                var id = Path.GetFileName(rgb)[..^"_rgb.png".Length];
                return new EvalFrame(id, rgb, Partner(rgb, Path.Combine(full, id + "_depth.png")));
            }));
            return Checked(what, new EvalDataset("nyu", full, 1e-3, 1e-3f, 10f, frames));
        }
        var sun = Directory.GetFiles(full, "frame-*.color.png").Order(StringComparer.Ordinal).ToList();
        if (sun.Count > 0)
        {
            var frames = sun.Select(rgb =>
            {
                var id = Path.GetFileName(rgb)[..^".color.png".Length];
                return new EvalFrame(id, rgb, Partner(rgb, Path.Combine(full, id + ".depth.png")));
            }).ToList();
            return Checked(what, new EvalDataset("sun3d", full, 1e-3, 1e-3f, 10f, frames));
        }
        if (Directory.GetFiles(full, "frame-*.color.jpg").Length > 0)
            throw new CliException($"{what} {folder}: looks like 7-Scenes, whose depth is not registered to the colour image (they come from two separate cameras); it cannot be scored pixel for pixel");
        throw new CliException($"{what} {folder}: no known layout (expected rgb/ + depth/ (KITTI), rgb_*.jpg + sync_depth_*.png (NYU) or frame-*.color.png + frame-*.depth.png (SUN3D))");
    }

    private static string Partner(string rgb, string depth) =>
        File.Exists(depth) ? depth : throw new CliException($"{rgb} has no ground truth: {depth} is missing");

    private static EvalDataset Checked(string what, EvalDataset d) =>
        d.Frames.Count > 0 ? d : throw new CliException($"{what} {d.Folder}: {d.Layout} layout but no frames");

    /// <summary>Frames 0, N, 2N, … (a quicker score on consecutive, near-duplicate video frames).</summary>
    public EvalDataset EveryNth(int stride) =>
        stride >= 1 ? this with { Frames = Frames.Where((_, i) => i % stride == 0).ToList() }
            : throw new ArgumentOutOfRangeException(nameof(stride), $"stride must be at least 1, got {stride}");
}
