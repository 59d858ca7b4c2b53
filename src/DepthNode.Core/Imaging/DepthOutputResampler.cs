using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    private int[] _runStart = [], _runLength = [];
    private int _sw, _sh, _dw, _dh;

    /// <summary>Plain resize: destination = bilinear(source).</summary>
    public ResampleCounts Run(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height) =>
        Resample(source, sourceWidth, sourceHeight, destination, width, height, 1f, 0f, reciprocal: false, float.NegativeInfinity, float.PositiveInfinity);

    /// <summary>
    /// Resize and make metric in one pass: <see cref="Depth.MetricMapping"/>'s rule applied to the bilinear resize, with
    /// its affine part on the network-width row buffer and the rest (reciprocal, range, NaN) per output pixel; the
    /// kernels below implement <see cref="Depth.MetricMapping.ToDepth"/> (scalar and vectorised). Same result as
    /// <see cref="Run"/> followed by <see cref="Depth.MetricMapping.Apply(ReadOnlySpan{float}, Span{float})"/>.
    /// </summary>
    public ResampleCounts RunMetric(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height,
        in Depth.MetricMapping mapping)
    {
        if (!mapping.IsUsable)
        {
            // Without a scale every pixel is invalid: resizing first would only be overwritten.
            CheckSizes(source, sourceWidth, sourceHeight, destination, width, height);
            destination[..(width * height)].Fill(float.NaN);
            return new ResampleCounts(CountNonFinite(source[..(sourceWidth * sourceHeight)]), width * height);
        }
        return Resample(source, sourceWidth, sourceHeight, destination, width, height, mapping.Scale, mapping.Shift,
            mapping.Reciprocal, mapping.MinDepth, mapping.MaxDepth);
    }

    // Per-frame kernel: fully optimised from the first call (tiered PGO was seen to re-jit such loops slower).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private ResampleCounts Resample(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height,
        float scale, float shift, bool reciprocal, float minDepth, float maxDepth)
    {
        CheckSizes(source, sourceWidth, sourceHeight, destination, width, height);
        if (sourceWidth != _sw || sourceHeight != _sh || width != _dw || height != _dh)
        {
            (_x0, _x1, _fx) = Table(sourceWidth, width);
            (_y0, _y1, _fy) = Table(sourceHeight, height);
            _row = new float[sourceWidth];
            (_runStart, _runLength) = Runs(_x0, sourceWidth);
            (_sw, _sh, _dw, _dh) = (sourceWidth, sourceHeight, width, height);
        }
        var nonFinite = CountNonFinite(source[..(sourceWidth * sourceHeight)]);
        var row = _row.AsSpan();
        var nan = 0;
        for (var y = 0; y < height; y++)
        {
            var fy = _fy[y];
            var r0 = source.Slice(_y0[y] * sourceWidth, sourceWidth);
            var r1 = source.Slice(_y1[y] * sourceWidth, sourceWidth);
            // NaN propagates through the blend: a tap with weight 0 is the same row again (see Table), never a NaN neighbour.
            for (var x = 0; x < sourceWidth; x++) row[x] = scale * (r0[x] + fy * (r1[x] - r0[x])) + shift;
            nan += HorizontalPass(row, destination.Slice(y * width, width), reciprocal, minDepth, maxDepth);
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

    /// <summary>One output row from the blended source row; returns how many pixels came out NaN.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe int HorizontalPass(ReadOnlySpan<float> row, Span<float> dst, bool reciprocal, float minDepth, float maxDepth)
    {
        var nan = 0;
        var x = 0;
        fixed (float* r = row)
        fixed (int* x0 = _x0)
        fixed (int* x1 = _x1)
        fixed (float* fx = _fx)
        fixed (float* d = dst)
        {
            if (Avx.IsSupported && dst.Length >= 8)
            {
                // Output pixels come in runs that share one source interval [j, j+1] (about 5 per run when a 224-wide
                // output is stretched to 1242): each run is a broadcast blend a + f·(b − a) over contiguous fractions,
                // no gathers. A vector may spill past its run; the next run overwrites those lanes, and the last runs
                // of a row, where a spill would leave the row, go to the scalar loop below.
                var min = Vector256.Create(minDepth);
                var max = Vector256.Create(maxDepth);
                var invalid = Vector256.Create(float.NaN);
                var zero = Vector256<float>.Zero;
                var lastSource = row.Length - 1;
                for (var j = 0; j < row.Length; j++)
                {
                    var length = _runLength[j];
                    if (length == 0) continue;
                    var runStart = _runStart[j];
                    if (runStart + 8 > dst.Length) { x = runStart; break; }
                    var a = Vector256.Create(r[j]);
                    var delta = Vector256.Create(r[Math.Min(j + 1, lastSource)] - r[j]);
                    for (var k = 0; k < length; k += 8)
                    {
                        var at = runStart + k;
                        if (at + 8 > dst.Length) { x = at; goto Scalar; }
                        var f = Avx.LoadVector256(fx + at);
                        // Weight 0 means "this tap alone": a NaN neighbour must not leak in through 0·NaN.
                        var v = Avx.BlendVariable(Avx.Add(a, Avx.Multiply(f, delta)), a, Avx.Compare(f, zero, FloatComparisonMode.OrderedEqualNonSignaling));
                        var valid = Avx.Compare(Avx.Subtract(v, v), zero, FloatComparisonMode.OrderedEqualNonSignaling);
                        if (reciprocal)
                        {
                            valid = Avx.And(valid, Avx.Compare(v, zero, FloatComparisonMode.OrderedGreaterThanNonSignaling));
                            v = Avx.Divide(Vector256<float>.One, v);
                        }
                        valid = Avx.And(valid, Avx.And(
                            Avx.Compare(v, min, FloatComparisonMode.OrderedGreaterThanOrEqualNonSignaling),
                            Avx.Compare(v, max, FloatComparisonMode.OrderedLessThanOrEqualNonSignaling)));
                        valid = Avx.And(valid, Avx.Compare(Avx.Subtract(v, v), zero, FloatComparisonMode.OrderedEqualNonSignaling));
                        Avx.Store(d + at, Avx.BlendVariable(invalid, v, valid));
                        var lanes = Math.Min(8, length - k);
                        nan += lanes - BitOperations.PopCount((uint)Avx.MoveMask(valid) & ((1u << lanes) - 1));
                    }
                    x = runStart + length;
                }
            }
        Scalar:
            for (; x < dst.Length; x++)
            {
                var a = r[x0[x]];
                var v = a + fx[x] * (r[x1[x]] - a);
                var ok = float.IsFinite(v);
                if (reciprocal) { ok &= v > 0; v = 1f / v; }
                ok &= v >= minDepth && v <= maxDepth && float.IsFinite(v);
                if (!ok) { v = float.NaN; nan++; }
                d[x] = v;
            }
        }
        return nan;
    }

    /// <summary>For each source column, the first output pixel whose left tap it is, and how many there are.</summary>
    private static (int[] Start, int[] Length) Runs(int[] leftTap, int sourceWidth)
    {
        var start = new int[sourceWidth];
        var length = new int[sourceWidth];
        for (var x = leftTap.Length - 1; x >= 0; x--)
        {
            start[leftTap[x]] = x;
            length[leftTap[x]]++;
        }
        return (start, length);
    }

    /// <summary>NaN and ±Inf values in a network output (for diagnostics).</summary>
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
        for (var i = 0; i < destination; i++)
        {
            var (x0, f) = ResampleAxis.LinearTap(i, source, destination);
            start[i] = x0; next[i] = f == 0 ? x0 : x0 + 1; frac[i] = (float)f;
        }
        return (start, next, frac);
    }
}
