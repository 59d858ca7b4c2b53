namespace DepthNode.Imaging;

/// <summary>How many pixels were not finite on the way from the network output to the camera-resolution image.</summary>
public readonly record struct ResampleCounts(int NonFiniteInputs, int NaNOutputs);

/// <summary>
/// Resizes the network's output (depth or disparity) to the camera resolution with bilinear interpolation
/// (half-pixel centres, edge clamping: OpenCV INTER_LINEAR) into a caller-supplied span. A NaN or ±Inf network value
/// makes every output pixel that draws on it NaN (REP 118: invalid) and is counted. Tables are rebuilt only when sizes
/// change.
/// <para>
/// Separable: each output row first blends its two source rows into a row buffer at network width, then every output
/// pixel is one horizontal blend — one pass over the (large) output. <see cref="RunMetric"/> fuses the metric
/// mapping in, so the network output becomes metric depth in the outgoing message without an intermediate image:
/// the affine part commutes with interpolation and is applied to the small row buffer, only the reciprocal of a
/// disparity model runs per output pixel.
/// </para>
/// </summary>
public sealed class DepthOutputResampler
{
    private int[] _x0 = [], _x1 = [], _y0 = [], _y1 = [];
    private float[] _fx = [], _fy = [];
    private float[] _row = [];
    private int _sw, _sh, _dw, _dh;

    /// <summary>Plain resize: destination = bilinear(source).</summary>
    public ResampleCounts Run(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height) =>
        Resample(source, sourceWidth, sourceHeight, destination, width, height, 1f, 0f, reciprocal: false, 0f, float.PositiveInfinity);

    /// <summary>
    /// Resize and make metric in one pass: <c>v = scale·bilinear(source) + shift</c>, depth = v (depth models) or 1/v
    /// (disparity models); depth outside [<paramref name="minDepth"/>, <paramref name="maxDepth"/>], non-positive
    /// disparity and non-finite values become NaN. Same result as <see cref="Run"/> followed by
    /// <see cref="Depth.MetricDepthConverter.Apply"/>.
    /// </summary>
    public ResampleCounts RunMetric(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height,
        in Depth.MetricFit fit, Inference.DepthOutputKind kind, float minDepth = 0f, float maxDepth = float.PositiveInfinity)
    {
        if (!fit.IsUsable)
        {
            // Without a scale every pixel is invalid: resizing first would only be overwritten.
            CheckSizes(source, sourceWidth, sourceHeight, destination, width, height);
            destination[..(width * height)].Fill(float.NaN);
            return new ResampleCounts(CountNonFinite(source[..(sourceWidth * sourceHeight)]), width * height);
        }
        return Resample(source, sourceWidth, sourceHeight, destination, width, height, (float)fit.Scale, (float)fit.Shift,
            kind == Inference.DepthOutputKind.RelativeDisparity, minDepth, maxDepth);
    }

    private ResampleCounts Resample(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height,
        float scale, float shift, bool reciprocal, float minDepth, float maxDepth)
    {
        CheckSizes(source, sourceWidth, sourceHeight, destination, width, height);
        if (sourceWidth != _sw || sourceHeight != _sh || width != _dw || height != _dh)
        {
            (_x0, _x1, _fx) = Table(sourceWidth, width);
            (_y0, _y1, _fy) = Table(sourceHeight, height);
            _row = new float[sourceWidth];
            (_sw, _sh, _dw, _dh) = (sourceWidth, sourceHeight, width, height);
        }
        var nonFinite = CountNonFinite(source[..(sourceWidth * sourceHeight)]);
        var plain = scale == 1f && shift == 0f && !reciprocal && minDepth == 0f && float.IsPositiveInfinity(maxDepth);
        var row = _row.AsSpan();
        var x0s = _x0.AsSpan(0, width);
        var x1s = _x1.AsSpan(0, width);
        var fxs = _fx.AsSpan(0, width);
        var nan = 0;
        for (var y = 0; y < height; y++)
        {
            var fy = _fy[y];
            var r0 = source.Slice(_y0[y] * sourceWidth, sourceWidth);
            var r1 = source.Slice(_y1[y] * sourceWidth, sourceWidth);
            // NaN propagates through the blend: a tap with weight 0 is the same row again (see Table), never a NaN neighbour.
            for (var x = 0; x < sourceWidth; x++) row[x] = scale * (r0[x] + fy * (r1[x] - r0[x])) + shift;
            var dst = destination.Slice(y * width, width);
            for (var x = 0; x < dst.Length; x++)
            {
                var a = row[x0s[x]];
                var v = a + fxs[x] * (row[x1s[x]] - a);
                // An infinite tap blends to ±Inf, whose reciprocal would look like a valid 0 m: test before mapping.
                if (!float.IsFinite(v)) v = float.NaN;
                else if (!plain)
                {
                    var z = reciprocal ? 1f / v : v;
                    v = (reciprocal && !(v > 0)) || !(z >= minDepth && z <= maxDepth) || !float.IsFinite(z) ? float.NaN : z;
                }
                if (float.IsNaN(v)) nan++;
                dst[x] = v;
            }
        }
        return new ResampleCounts(nonFinite, nan);
    }

    private static void CheckSizes(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0 || (long)sourceWidth * sourceHeight > source.Length)
            throw new ArgumentException($"source {sourceWidth}x{sourceHeight} does not fit {source.Length} values", nameof(source));
        if (width <= 0 || height <= 0 || (long)width * height > destination.Length)
            throw new ArgumentException($"destination {width}x{height} does not fit {destination.Length} values", nameof(destination));
    }

    /// <summary>Non-finite values in <paramref name="values"/> (the network output, for diagnostics).</summary>
    internal static int CountNonFinite(ReadOnlySpan<float> values)
    {
        var n = 0;
        foreach (var v in values) if (!float.IsFinite(v)) n++;
        return n;
    }

    // Where the fraction is 0 the second tap is the first one again: 0·(NaN − a) would otherwise poison a pixel that
    // does not draw on the non-finite neighbour at all.
    private static (int[] Start, int[] Next, float[] Fraction) Table(int source, int destination)
    {
        var start = new int[destination];
        var next = new int[destination];
        var frac = new float[destination];
        var scale = (double)source / destination;
        for (var i = 0; i < destination; i++)
        {
            var x = (i + 0.5) * scale - 0.5;
            var x0 = (int)Math.Floor(x);
            var f = x - x0;
            if (x0 < 0) { x0 = 0; f = 0; }
            if (x0 >= source - 1) { x0 = source - 1; f = 0; }
            start[i] = x0; next[i] = f == 0 ? x0 : x0 + 1; frac[i] = (float)f;
        }
        return (start, next, frac);
    }
}
