using DepthNode.Inference;

namespace DepthNode.Depth;

/// <param name="MinDepth">Sparse depths below this (metres) are ignored (and 0 / NaN always are).</param>
/// <param name="MaxDepth">Sparse depths above this are ignored.</param>
/// <param name="MetricModelShift">For metric models: fit scale and shift in depth (default scale only).</param>
/// <param name="Smoothing">Temporal filter; null fits every frame on its own.</param>
public sealed record SparseDepthOptions(
    float MinDepth = 0.1f, float MaxDepth = 120f, bool MetricModelShift = false,
    RobustFitOptions? Fit = null, SmoothingOptions? Smoothing = null)
{
    public RobustFitOptions FitOptions => Fit ?? new RobustFitOptions();
}

/// <summary>
/// The <c>sparse_depth</c> source: per frame, fits the network output to a sparse metric depth image on the same pixel
/// grid (projected LiDAR, as KITTI's ground truth is; 0 or NaN where there is no measurement). Relative disparity is
/// fitted in disparity space (1/z = s·d + t, the standard scale-and-shift alignment), relative depth as z = s·p + t,
/// metric depth as z = s·p (scale only unless configured). Outliers are rejected (RANSAC + trimmed least squares) and
/// the result smoothed over time with a reset on jumps.
/// </summary>
public sealed class SparseDepthAligner(SparseDepthOptions options)
{
    private readonly RobustLineFit _fit = new();
    // Resolved once: the options' default is a new record per access, and Fit runs per frame.
    private readonly RobustFitOptions _fitOptions = options.FitOptions;
    private readonly ScaleShiftSmoother? _smoother = options.Smoothing is null ? null : new ScaleShiftSmoother(options.Smoothing);

    public SparseDepthOptions Options { get; } = options;

    public void Reset() => _smoother?.Reset();

    public MetricFit Fit(ReadOnlySpan<float> prediction, ReadOnlySpan<float> sparseDepth, DepthOutputKind kind)
    {
        if (sparseDepth.Length != prediction.Length)
            throw new ArgumentException($"sparse depth has {sparseDepth.Length} pixels, the prediction {prediction.Length}", nameof(sparseDepth));
        var disparity = kind == DepthOutputKind.RelativeDisparity;
        _fit.Clear();
        for (var i = 0; i < prediction.Length; i++)
        {
            var z = sparseDepth[i];
            var p = prediction[i];
            if (!(z >= Options.MinDepth && z <= Options.MaxDepth) || !float.IsFinite(p)) continue;
            if (disparity) { if (p > 0) _fit.Add(p, 1.0 / z); }
            else if (p > 0) _fit.Add(p, z);
        }
        var withShift = kind != DepthOutputKind.MetricDepth || Options.MetricModelShift;
        return Finish(_fit, _smoother, MetricSource.SparseDepth, withShift, _fitOptions);
    }

    internal static MetricFit Finish(RobustLineFit fit, ScaleShiftSmoother? smoother, MetricSource source, bool withShift, RobustFitOptions options)
    {
        var samples = fit.Count;
        if (!fit.TryFit(withShift, options, out var s, out var t, out var inliers))
        {
            return smoother is { HasValue: true }
                ? new MetricFit(source, FitStatus.HeldPrevious, smoother.Scale, smoother.Shift, samples, inliers)
                : new MetricFit(source, FitStatus.Failed, double.NaN, double.NaN, samples, inliers);
        }
        if (smoother is null) return new MetricFit(source, FitStatus.Fitted, s, t, samples, inliers);
        var reset = smoother.Update(s, t, fit.MedianX());
        return new MetricFit(source, FitStatus.Fitted, smoother.Scale, smoother.Shift, samples, inliers, reset);
    }
}
