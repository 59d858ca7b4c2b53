using DepthNode.Inference;

namespace DepthNode.Depth;

/// <summary>What made a depth image metric (published in diagnostics with every frame).</summary>
public enum MetricSource { Model, Fixed, SparseDepth, GroundPlane }

public enum FitStatus
{
    /// <summary>Scale and shift come from the model card or configuration.</summary>
    Configured,
    /// <summary>Fitted on this frame (and smoothed with earlier frames).</summary>
    Fitted,
    /// <summary>This frame's fit failed (too few samples or inliers); the previous frame's values were reused.</summary>
    HeldPrevious,
    /// <summary>No fit yet: the depth image is all NaN.</summary>
    Failed,
}

/// <summary>
/// A fitted (or configured) scale and shift for the network output, with how it was obtained. What they mean in
/// metres, and which pixels are invalid, is <see cref="MetricMapping"/>'s rule. <see cref="Samples"/> and <see cref="Inliers"/>
/// count the pixels the fit saw and kept; <see cref="SmoothingReset"/> says the temporal filter restarted (a jump).
/// </summary>
public readonly record struct MetricFit(MetricSource Source, FitStatus Status, double Scale, double Shift, int Samples = 0, int Inliers = 0, bool SmoothingReset = false)
{
    public bool IsUsable => Status != FitStatus.Failed && double.IsFinite(Scale) && double.IsFinite(Shift);

    public override string ToString() =>
        $"{Source switch { MetricSource.Model => "model", MetricSource.Fixed => "fixed", MetricSource.SparseDepth => "sparse_depth", _ => "ground_plane" }} " +
        $"{Status.ToString().ToLowerInvariant()} scale={Scale:G6} shift={Shift:G6} inliers={Inliers}/{Samples}";
}

/// <summary>The <c>model</c> and <c>fixed</c> sources: scale and shift from configuration.</summary>
public sealed record FixedScaleOptions(double Scale = 1.0, double Shift = 0.0);

public sealed class FixedMetricScale(FixedScaleOptions options, MetricSource source = MetricSource.Fixed)
{
    /// <summary>The network already outputs metres.</summary>
    public static FixedMetricScale Model { get; } = new(new FixedScaleOptions(), MetricSource.Model);

    public MetricFit Fit { get; } = new(source, FitStatus.Configured, options.Scale, options.Shift);
}
