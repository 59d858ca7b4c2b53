namespace DepthNode.Depth;

/// <summary>Settings shared by the fitters: what counts as an inlier and how hard to look for one.</summary>
/// <param name="InlierThreshold">Relative residual |s·x + t − y| / y below which a sample is an inlier.</param>
/// <param name="RansacIterations">Random minimal-sample hypotheses tried before least squares (deterministic seed).</param>
/// <param name="RefineIterations">Least-squares refits on the inlier set, each re-selecting inliers.</param>
/// <param name="MinInliers">Fewer inliers than this: the fit fails for this frame.</param>
public sealed record RobustFitOptions(double InlierThreshold = 0.1, int RansacIterations = 100, int RefineIterations = 3, int MinInliers = 30);

/// <summary>
/// Robust fit of y ≈ s·x (+ t) to samples with outliers: RANSAC over minimal samples picks the hypothesis with most
/// inliers (relative residual under a threshold, so near and far samples count alike), then least squares on the
/// inliers, re-selecting inliers a few times. Deterministic (fixed seed). Sample storage is reused between frames.
/// </summary>
public sealed class RobustLineFit
{
    private double[] _x = new double[1024];
    private double[] _y = new double[1024];
    private double[] _residuals = [];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Add(double x, double y)
    {
        if (Count == _x.Length)
        {
            Array.Resize(ref _x, _x.Length * 2);
            Array.Resize(ref _y, _y.Length * 2);
        }
        _x[Count] = x; _y[Count] = y; Count++;
    }

    /// <summary>Median of the x samples (a reference point for judging jumps in the temporal filter).</summary>
    public double MedianX()
    {
        if (Count == 0) return double.NaN;
        if (_residuals.Length < Count) _residuals = new double[_x.Length];
        _x.AsSpan(0, Count).CopyTo(_residuals);
        return Median(_residuals.AsSpan(0, Count));
    }

    /// <summary>Fits; returns false when there are fewer than <see cref="RobustFitOptions.MinInliers"/> inliers or the
    /// slope is not positive (a depth or disparity that decreases with the truth is no fit).</summary>
    public bool TryFit(bool withShift, RobustFitOptions options, out double scale, out double shift, out int inliers)
    {
        scale = double.NaN; shift = 0; inliers = 0;
        var n = Count;
        if (n < Math.Max(options.MinInliers, withShift ? 2 : 1)) return false;
        var tau = options.InlierThreshold;

        // RANSAC scores on at most ~1024 evenly spaced samples: enough to rank hypotheses, bounded per frame.
        var stride = Math.Max(1, n / 1024);
        ulong rng = 0x9E3779B97F4A7C15UL;
        double bestS = double.NaN, bestT = 0; var bestCount = -1;
        for (var it = 0; it < options.RansacIterations; it++)
        {
            var i = (int)(Next(ref rng) % (ulong)n);
            double s, t;
            if (withShift)
            {
                var j = (int)(Next(ref rng) % (ulong)n);
                var dx = _x[j] - _x[i];
                if (Math.Abs(dx) < 1e-12 * (Math.Abs(_x[i]) + 1e-30)) continue;
                s = (_y[j] - _y[i]) / dx;
                t = _y[i] - s * _x[i];
            }
            else
            {
                if (_x[i] == 0) continue;
                s = _y[i] / _x[i]; t = 0;
            }
            if (!(s > 0) || !double.IsFinite(t)) continue;
            var c = 0;
            for (var k = 0; k < n; k += stride)
                if (Math.Abs(s * _x[k] + t - _y[k]) < tau * Math.Abs(_y[k])) c++;
            if (c > bestCount) { bestCount = c; bestS = s; bestT = t; }
        }
        if (bestCount < 0)
        {
            // No valid minimal sample (degenerate x); least squares on everything is the only hypothesis.
            if (!LeastSquares(withShift, double.NaN, 0, tau, out bestS, out bestT, out _)) return false;
        }

        double sc = bestS, sh = bestT;
        for (var r = 0; r < Math.Max(1, options.RefineIterations); r++)
        {
            // After the first pass the threshold tightens to 3 robust standard deviations of the inliers' relative
            // residuals (never above the configured one): outliers that happen to fall inside a loose band no longer
            // pull the line, while real noise keeps about 99 % of the inliers.
            if (!LeastSquares(withShift, sc, sh, tau, out var s2, out var t2, out _)) return false;
            sc = s2; sh = t2;
            tau = Math.Clamp(3 * 1.4826 * MedianRelativeResidual(sc, sh, tau), 1e-4, options.InlierThreshold);
        }
        var count = 0;
        for (var k = 0; k < n; k++) if (Math.Abs(sc * _x[k] + sh - _y[k]) < tau * Math.Abs(_y[k])) count++;
        inliers = count;
        if (count < options.MinInliers || !(sc > 0) || !double.IsFinite(sh)) return false;
        scale = sc; shift = sh;
        return true;
    }

    private double MedianRelativeResidual(double s, double t, double tau)
    {
        if (_residuals.Length < Count) _residuals = new double[_x.Length];
        var m = 0;
        for (var k = 0; k < Count; k++)
        {
            var r = Math.Abs(s * _x[k] + t - _y[k]) / Math.Abs(_y[k]);
            if (r < tau) _residuals[m++] = r;
        }
        if (m == 0) return tau;
        return Median(_residuals.AsSpan(0, m));
    }

    /// <summary>The upper median (element n/2 in sorted order), by selection rather than sorting: this runs per frame
    /// on a few thousand samples, where a full sort was most of the fit's cost. Reorders <paramref name="values"/>.</summary>
    internal static double Median(Span<double> values)
    {
        int k = values.Length / 2, lo = 0, hi = values.Length - 1;
        while (lo < hi)
        {
            var pivot = values[lo + (hi - lo) / 2];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j) { (values[i], values[j]) = (values[j], values[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return values[k];
    }

    // Least squares over the inliers of (s, t) (all samples when s is NaN).
    private bool LeastSquares(bool withShift, double s, double t, double tau, out double scale, out double shift, out int used)
    {
        double sx = 0, sy = 0, sxx = 0, sxy = 0; used = 0;
        var all = double.IsNaN(s);
        for (var k = 0; k < Count; k++)
        {
            double x = _x[k], y = _y[k];
            if (!all && !(Math.Abs(s * x + t - y) < tau * Math.Abs(y))) continue;
            sx += x; sy += y; sxx += x * x; sxy += x * y; used++;
        }
        scale = double.NaN; shift = 0;
        if (used < (withShift ? 2 : 1)) return false;
        if (withShift)
        {
            var det = used * sxx - sx * sx;
            if (!(Math.Abs(det) > 1e-300)) return false;
            scale = (used * sxy - sx * sy) / det;
            shift = (sy - scale * sx) / used;
        }
        else
        {
            if (!(sxx > 0)) return false;
            scale = sxy / sxx;
        }
        return double.IsFinite(scale) && double.IsFinite(shift);
    }

    private static ulong Next(ref ulong state)
    {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
        return state;
    }
}

/// <summary>Temporal smoothing of (scale, shift).</summary>
/// <param name="Alpha">Weight of the new frame's fit in the exponential moving average (1 = no smoothing).</param>
/// <param name="JumpRatio">When the new fit moves the mapped value at the reference sample by more than this fraction,
/// the filter restarts from the new fit instead of averaging across a scene change.</param>
public sealed record SmoothingOptions(double Alpha = 0.3, double JumpRatio = 0.25);

/// <summary>EMA of scale and shift with a reset on jumps.</summary>
public sealed class ScaleShiftSmoother(SmoothingOptions options)
{
    public bool HasValue { get; private set; }
    public double Scale { get; private set; }
    public double Shift { get; private set; }

    public void Reset() => HasValue = false;

    /// <summary>Blends the new fit in; <paramref name="referenceX"/> is a typical prediction value (the jump test
    /// compares both mappings there). Returns true when the filter restarted.</summary>
    public bool Update(double scale, double shift, double referenceX)
    {
        if (HasValue)
        {
            var before = Scale * referenceX + Shift;
            var after = scale * referenceX + shift;
            var jump = !double.IsFinite(before) || Math.Abs(after - before) > options.JumpRatio * Math.Abs(before);
            if (!jump)
            {
                Scale += options.Alpha * (scale - Scale);
                Shift += options.Alpha * (shift - Shift);
                return false;
            }
        }
        (Scale, Shift, HasValue) = (scale, shift, true);
        return true;
    }
}
