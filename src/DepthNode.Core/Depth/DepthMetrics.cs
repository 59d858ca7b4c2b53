namespace DepthNode.Depth;

/// <summary>Standard monocular depth errors over one frame's valid pixels, as defined by Eigen et al. (NIPS 2014) and used by every monocular depth benchmark since.</summary>
/// <param name="AbsRel">mean |d − d*| / d*.</param>
/// <param name="Delta1">fraction of pixels with max(d/d*, d*/d) &lt; 1.25.</param>
/// <param name="Rmse">sqrt(mean (d − d*)²), metres.</param>
public readonly record struct DepthErrors(double AbsRel, double Delta1, double Rmse, int ValidPixels)
{
    /// <summary>Accumulates over pixels where the ground truth is valid (in range) and the prediction finite.</summary>
    public static DepthErrors Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> groundTruth, ReadOnlySpan<bool> mask)
    {
        if (prediction.Length != groundTruth.Length || mask.Length != groundTruth.Length)
            throw new ArgumentException($"prediction {prediction.Length}, ground truth {groundTruth.Length} and mask {mask.Length} differ in size");
        double absRel = 0, sq = 0; long good = 0; var n = 0;
        for (var i = 0; i < prediction.Length; i++)
        {
            if (!mask[i]) continue;
            double d = prediction[i], g = groundTruth[i];
            if (!double.IsFinite(d)) continue;
            var e = d - g;
            absRel += Math.Abs(e) / g;
            sq += e * e;
            if (Math.Max(d / g, g / d) < 1.25) good++;
            n++;
        }
        return n == 0 ? new DepthErrors(double.NaN, double.NaN, double.NaN, 0) : new DepthErrors(absRel / n, (double)good / n, Math.Sqrt(sq / n), n);
    }
}

public enum GroundTruthAlignment { None, Scale, ScaleShift }

/// <summary>
/// Aligns a prediction to ground truth before scoring (evaluation only; the node uses the metric sources).
/// <list type="bullet">
/// <item><c>scale</c>: least-squares scale s = Σ x·y / Σ x² in the model's output space (depth for depth models,
/// disparity against 1/d* for disparity models).</item>
/// <item><c>scale_shift</c>: least squares of s·x + t against 1/d* in disparity space (x = the disparity output, or
/// 1/p for depth models), then disparity clamped to ≥ 1e-3 and inverted (Marigold <c>least_square_disparity</c>,
/// the evaluation protocol Distill-Any-Depth reports its numbers with).</item>
/// </list>
/// The result is clipped to the dataset's depth range, as Marigold does.
/// </summary>
public static class GroundTruthAligner
{
    public static (double Scale, double Shift) Align(Span<float> prediction, Inference.DepthOutputKind kind, ReadOnlySpan<float> groundTruth,
        ReadOnlySpan<bool> mask, GroundTruthAlignment alignment, float minDepth, float maxDepth)
    {
        var disparityModel = kind == Inference.DepthOutputKind.RelativeDisparity;
        double s = 1, t = 0;
        if (alignment == GroundTruthAlignment.Scale)
        {
            double sxy = 0, sxx = 0;
            for (var i = 0; i < prediction.Length; i++)
            {
                if (!mask[i] || !(prediction[i] > 0) || !float.IsFinite(prediction[i])) continue;
                double x = prediction[i], y = disparityModel ? 1.0 / groundTruth[i] : groundTruth[i];
                sxy += x * y; sxx += x * x;
            }
            s = sxx > 0 ? sxy / sxx : double.NaN;
        }
        else if (alignment == GroundTruthAlignment.ScaleShift)
        {
            double sx = 0, sy = 0, sxx = 0, sxy = 0; long n = 0;
            for (var i = 0; i < prediction.Length; i++)
            {
                if (!mask[i] || !(prediction[i] > 0) || !float.IsFinite(prediction[i])) continue;
                double x = disparityModel ? prediction[i] : 1.0 / prediction[i], y = 1.0 / groundTruth[i];
                sx += x; sy += y; sxx += x * x; sxy += x * y; n++;
            }
            var det = n * sxx - sx * sx;
            s = det != 0 ? (n * sxy - sx * sy) / det : double.NaN;
            t = det != 0 ? (sy - s * sx) / n : double.NaN;
        }
        for (var i = 0; i < prediction.Length; i++)
        {
            double p = prediction[i], z;
            if (alignment == GroundTruthAlignment.ScaleShift)
            {
                var x = disparityModel ? p : 1.0 / p;
                z = 1.0 / Math.Max(s * x + t, 1e-3);
            }
            else if (disparityModel) z = 1.0 / Math.Max(s * p, 1e-3);
            else z = s * p;
            if (double.IsNaN(z)) z = maxDepth; // a non-finite prediction scores as the far cap, never as skipped
            prediction[i] = (float)Math.Clamp(z, minDepth, maxDepth);
        }
        return (s, t);
    }
}
