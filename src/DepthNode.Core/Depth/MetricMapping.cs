using System.Runtime.CompilerServices;
using DepthNode.Inference;

namespace DepthNode.Depth;

/// <summary>
/// The one rule that turns a network output value p into metres, used by the node's pipeline (through
/// <see cref="Imaging.DepthOutputResampler.RunMetric"/>, which fuses it into the resize), by <c>eval</c> and by the
/// tests: <c>v = Scale·p + Shift</c>; depth = v for depth outputs, 1/v for disparity outputs (<see cref="Reciprocal"/>).
/// A pixel is invalid (NaN, REP 118) when v or the depth is not finite, a disparity v is not positive, or the depth
/// lies outside [<see cref="MinDepth"/>, <see cref="MaxDepth"/>]. A mapping without a finite scale and shift (a failed
/// fit) makes every pixel invalid.
/// </summary>
public readonly record struct MetricMapping(float Scale, float Shift, bool Reciprocal, float MinDepth = 0f, float MaxDepth = float.PositiveInfinity)
{
    /// <summary>The mapping for <paramref name="fit"/> on a network whose output is <paramref name="kind"/>.</summary>
    public static MetricMapping For(in MetricFit fit, DepthOutputKind kind, float minDepth = 0f, float maxDepth = float.PositiveInfinity) =>
        fit.IsUsable
            ? new((float)fit.Scale, (float)fit.Shift, kind == DepthOutputKind.RelativeDisparity, minDepth, maxDepth)
            : new(float.NaN, float.NaN, kind == DepthOutputKind.RelativeDisparity, minDepth, maxDepth);

    public bool IsUsable => float.IsFinite(Scale) && float.IsFinite(Shift);

    /// <summary>The affine part, which commutes with interpolation (the resampler applies it before resizing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Affine(float p) => Scale * p + Shift;

    /// <summary>Metres for an affine value <paramref name="v"/>, or NaN when the pixel is invalid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToDepth(float v)
    {
        var ok = float.IsFinite(v);
        if (Reciprocal) { ok &= v > 0; v = 1f / v; }
        ok &= v >= MinDepth && v <= MaxDepth && float.IsFinite(v);
        return ok ? v : float.NaN;
    }

    /// <summary>Metres for a network output value, or NaN.</summary>
    public float Apply(float p) => ToDepth(Affine(p));

    /// <summary>Writes metres (NaN = invalid) for every prediction; returns how many are NaN.</summary>
    public int Apply(ReadOnlySpan<float> prediction, Span<float> depth)
    {
        if (depth.Length < prediction.Length) throw new ArgumentException($"depth has {depth.Length} values, prediction {prediction.Length}", nameof(depth));
        var invalid = 0;
        for (var i = 0; i < prediction.Length; i++)
        {
            var z = Apply(prediction[i]);
            if (float.IsNaN(z)) invalid++;
            depth[i] = z;
        }
        return invalid;
    }
}
