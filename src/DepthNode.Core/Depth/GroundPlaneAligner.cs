using DepthNode.Inference;

namespace DepthNode.Depth;

/// <param name="CameraHeight">Height of the optical centre above the road, metres (KITTI: 1.65).</param>
/// <param name="PitchRadians">Downward tilt of the optical axis (positive = looking down).</param>
/// <param name="MinDistance">Road pixels nearer than this (metres, on the plane) are not used.</param>
/// <param name="MaxDistance">Road pixels farther than this are not used (the plane assumption and the network weaken).</param>
/// <param name="ColumnFraction">Width of the central column band searched for road, as a fraction of the image width.</param>
/// <param name="Stride">Sample every Stride-th row and column.</param>
public sealed record GroundPlaneOptions(
    double CameraHeight = 1.65, double PitchRadians = 0.0, double MinDistance = 4.0, double MaxDistance = 30.0,
    double ColumnFraction = 0.5, int Stride = 4, RobustFitOptions? Fit = null, SmoothingOptions? Smoothing = null)
{
    public RobustFitOptions FitOptions => Fit ?? new RobustFitOptions(InlierThreshold: 0.15);
}

/// <summary>
/// The <c>ground_plane</c> source, for vehicles: with the camera at height h above a flat road and pitched down by θ,
/// a road point seen in image row v lies at inverse depth
/// <c>1/Z = cos θ · (v − v_h) / (f_y · h)</c>, with horizon row <c>v_h = c_y − f_y · tan θ</c>
/// (the plane n·X = h with n = (0, cos θ, sin θ) in the optical frame, intersected with the ray Z·((u−c_x)/f_x, (v−c_y)/f_y, 1)).
/// Pixels of the lower, central image region whose plane distance is in range are candidates; the robust fit keeps the
/// ones whose prediction agrees with the plane (cars and kerbs fall out as outliers) and gives the scale (and shift for
/// relative models: disparity space for disparity models).
/// </summary>
public sealed class GroundPlaneAligner(GroundPlaneOptions options)
{
    private readonly RobustLineFit _fit = new();
    // Resolved once: the options' default is a new record per access, and Fit runs per frame.
    private readonly RobustFitOptions _fitOptions = options.FitOptions;
    private readonly ScaleShiftSmoother? _smoother = options.Smoothing is null ? null : new ScaleShiftSmoother(options.Smoothing);

    public GroundPlaneOptions Options { get; } = options;

    public void Reset() => _smoother?.Reset();

    /// <summary>Inverse depth (1/m) of the road plane at image row <paramref name="v"/>; ≤ 0 at and above the horizon.</summary>
    public static double PlaneInverseDepth(double v, double fy, double cy, double cameraHeight, double pitchRadians)
    {
        var horizon = cy - fy * Math.Tan(pitchRadians);
        return Math.Cos(pitchRadians) * (v - horizon) / (fy * cameraHeight);
    }

    /// <param name="fy">Focal length in rows (P[5] of the CameraInfo at this resolution).</param>
    /// <param name="cy">Principal point row (P[6]).</param>
    public MetricFit Fit(ReadOnlySpan<float> prediction, int width, int height, double fy, double cy, DepthOutputKind kind)
    {
        if ((long)width * height != prediction.Length)
            throw new ArgumentException($"prediction has {prediction.Length} values, not {width}x{height}", nameof(prediction));
        if (!(fy > 0)) throw new ArgumentOutOfRangeException(nameof(fy), "fy must be positive (uncalibrated camera?)");
        var o = Options;
        var disparity = kind == DepthOutputKind.RelativeDisparity;
        var half = (int)(width * o.ColumnFraction / 2);
        int x0 = Math.Max(0, width / 2 - half), x1 = Math.Min(width, width / 2 + half);
        var stride = Math.Max(1, o.Stride);
        _fit.Clear();
        for (var v = height - 1; v >= 0; v -= stride)
        {
            var inv = PlaneInverseDepth(v, fy, cy, o.CameraHeight, o.PitchRadians);
            if (!(inv > 0)) break;
            var z = 1.0 / inv;
            if (z < o.MinDistance) continue;
            if (z > o.MaxDistance) break;
            var row = prediction.Slice(v * width, width);
            for (var u = x0; u < x1; u += stride)
            {
                var p = row[u];
                if (!(p > 0) || !float.IsFinite(p)) continue;
                if (disparity) _fit.Add(p, inv);
                else _fit.Add(p, z);
            }
        }
        var withShift = kind != DepthOutputKind.MetricDepth;
        return SparseDepthAligner.Finish(_fit, _smoother, MetricSource.GroundPlane, withShift, _fitOptions);
    }
}
