using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthNode.Imaging;

/// <summary>How many pixels were not finite on the way from the network output to the camera-resolution image.</summary>
public readonly record struct ResampleCounts(int NonFiniteInputs, int NaNOutputs);

/// <summary>
/// Resizes the network's output (depth or disparity) to the camera resolution with bilinear interpolation
/// (half-pixel centres, edge clamping: OpenCV INTER_LINEAR) into a caller-supplied image. A NaN or ±Inf network value
/// makes every output pixel that draws on it NaN (REP 118: invalid) and is counted. Tables are rebuilt only when sizes
/// change.
/// <para>
/// Separable, horizontal first: each source row the output needs is stretched to the output width once (into one of
/// two cached rows), then every output row is one vertical blend of two cached rows across its whole width, in full
/// vectors. The cost is one pass over the output plus (network rows × output width), so it grows with the output's
/// pixels and never with its row count alone. <see cref="RunMetric"/> fuses the metric mapping in, so the network
/// output becomes metric depth in the outgoing message without an intermediate image: the affine part commutes with
/// interpolation and is applied to the source row, only the reciprocal of a disparity model runs per output pixel.
/// </para>
/// </summary>
public sealed class DepthOutputResampler
{
    private int[] _y0 = [], _y1 = [];
    private float[] _fx = [], _fy = [];
    private int[] _runStart = [], _runLength = [];
    private float[] _scaled = [];
    // Two horizontally stretched source rows, tagged with the source row each holds (-1: none). Each is Vector128 wider
    // than the output: a run's last vector may spill past the row's end.
    private readonly float[][] _cache = [[], []];
    private readonly int[] _cachedRow = [-1, -1];
    private int _sw, _sh, _dw, _dh;

    /// <summary>Plain resize: destination = bilinear(source).</summary>
    public ResampleCounts Run(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height) =>
        Run(Dense("source", source, sourceWidth, sourceHeight), DenseOut(destination, width, height));

    /// <summary>Plain resize of a checked image into another.</summary>
    public ResampleCounts Run(ReadOnlyImageSpan<float> source, ImageSpan<float> destination) =>
        Resample(source, destination, 1f, 0f, reciprocal: false, float.NegativeInfinity, float.PositiveInfinity);

    /// <summary>
    /// Resize and make metric in one pass: <see cref="Depth.MetricMapping"/>'s rule applied to the bilinear resize, with
    /// its affine part on the network-width row buffer and the rest (reciprocal, range, NaN) per output pixel; the
    /// kernels below implement <see cref="Depth.MetricMapping.ToDepth"/> (scalar and vectorised). Same result as
    /// <see cref="Run(ReadOnlyImageSpan{float}, ImageSpan{float})"/> followed by
    /// <see cref="Depth.MetricMapping.Apply(ReadOnlySpan{float}, Span{float})"/>.
    /// </summary>
    public ResampleCounts RunMetric(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height,
        in Depth.MetricMapping mapping) =>
        RunMetric(Dense("source", source, sourceWidth, sourceHeight), DenseOut(destination, width, height), mapping);

    /// <inheritdoc cref="RunMetric(ReadOnlySpan{float}, int, int, Span{float}, int, int, in Depth.MetricMapping)"/>
    public ResampleCounts RunMetric(ReadOnlyImageSpan<float> source, ImageSpan<float> destination, in Depth.MetricMapping mapping)
    {
        if (!mapping.IsUsable)
        {
            // Without a scale every pixel is invalid: resizing first would only be overwritten.
            for (var y = 0; y < destination.Height; y++) destination.Row(y).Fill(float.NaN);
            return new ResampleCounts(CountNonFinite(source), destination.Width * destination.Height);
        }
        return Resample(source, destination, mapping.Scale, mapping.Shift, mapping.Reciprocal, mapping.MinDepth, mapping.MaxDepth);
    }

    private static ReadOnlyImageSpan<float> Dense(string name, ReadOnlySpan<float> data, int width, int height) =>
        new(name, data, width, height, width);

    private static ImageSpan<float> DenseOut(Span<float> data, int width, int height) =>
        new("destination", data, width, height, width);

    // Per-frame kernel: fully optimised from the first call (tiered PGO was seen to re-jit such loops slower).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ResampleCounts Resample(ReadOnlyImageSpan<float> source, ImageSpan<float> destination,
        float scale, float shift, bool reciprocal, float minDepth, float maxDepth)
    {
        int sourceWidth = source.Width, sourceHeight = source.Height, width = destination.Width, height = destination.Height;
        if (sourceWidth != _sw || sourceHeight != _sh || width != _dw || height != _dh)
        {
            int[] x0;
            (x0, _, _fx) = Table(sourceWidth, width);
            (_y0, _y1, _fy) = Table(sourceHeight, height);
            (_runStart, _runLength) = Runs(x0, sourceWidth);
            Array.Resize(ref _fx, width + Vector128<float>.Count); // a spilling vector reads fractions past the row
            _scaled = new float[sourceWidth];
            _cache[0] = new float[width + Vector128<float>.Count];
            _cache[1] = new float[width + Vector128<float>.Count];
            (_sw, _sh, _dw, _dh) = (sourceWidth, sourceHeight, width, height);
        }
        _cachedRow[0] = _cachedRow[1] = -1; // new source data every call
        var nonFinite = CountNonFinite(source);
        var nan = 0;
        for (var y = 0; y < height; y++)
        {
            var top = Stretched(source, _y0[y], _y1[y], scale, shift);
            var fy = _fy[y];
            // A weight of 0 means "the top row alone": a NaN in the other row must not leak in through 0·NaN.
            var bottom = fy == 0 ? top : Stretched(source, _y1[y], _y0[y], scale, shift);
            nan += VerticalPass(top, bottom, fy, destination.Row(y), reciprocal, minDepth, maxDepth);
        }
        return new ResampleCounts(nonFinite, nan);
    }

    /// <summary>Source row <paramref name="sy"/>, scaled, shifted and stretched to the output width; cached, keeping the
    /// row <paramref name="keep"/> (the other tap of the current output row) if it is cached too.</summary>
    private float[] Stretched(ReadOnlyImageSpan<float> source, int sy, int keep, float scale, float shift)
    {
        if (_cachedRow[0] == sy) return _cache[0];
        if (_cachedRow[1] == sy) return _cache[1];
        var slot = _cachedRow[0] == keep ? 1 : 0;
        var src = source.Row(sy);
        var scaled = _scaled.AsSpan(0, src.Length);
        for (var x = 0; x < src.Length; x++) scaled[x] = scale * src[x] + shift;
        StretchRow(scaled, _cache[slot]);
        _cachedRow[slot] = sy;
        return _cache[slot];
    }

    /// <summary>One source row stretched to the output width: output pixels come in runs that share one source
    /// interval [j, j+1] (about 8 per run when a 224-wide output is stretched to 1920), each run a broadcast blend
    /// a + f·(b − a) over contiguous fractions. A vector may spill past its run; the next run overwrites those lanes,
    /// and the buffer has room for the last run's spill.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StretchRow(ReadOnlySpan<float> row, float[] stretched)
    {
        ref var fx = ref MemoryMarshal.GetArrayDataReference(_fx);
        ref var dst = ref MemoryMarshal.GetArrayDataReference(stretched);
        var last = row.Length - 1;
        for (var j = 0; j < row.Length; j++)
        {
            var length = _runLength[j];
            if (length == 0) continue;
            var start = _runStart[j];
            var left = row[j];
            var delta = row[Math.Min(j + 1, last)] - left;
            if (Vector128.IsHardwareAccelerated)
            {
                var (a, d) = (Vector128.Create(left), Vector128.Create(delta));
                for (var k = 0; k < length; k += Vector128<float>.Count)
                {
                    var f = Vector128.LoadUnsafe(ref fx, (nuint)(start + k));
                    // Weight 0 means "this tap alone": a NaN neighbour must not leak in through 0·NaN.
                    Vector128.ConditionalSelect(Vector128.Equals(f, Vector128<float>.Zero), a, a + f * d)
                        .StoreUnsafe(ref dst, (nuint)(start + k));
                }
            }
            else
                for (var k = start; k < start + length; k++)
                {
                    var f = Unsafe.Add(ref fx, k);
                    Unsafe.Add(ref dst, k) = f == 0 ? left : left + f * delta;
                }
        }
    }

    /// <summary>One output row from two stretched rows; returns how many pixels came out NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int VerticalPass(float[] top, float[] bottom, float fy, Span<float> dst, bool reciprocal, float minDepth, float maxDepth)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(top);
        ref var b = ref MemoryMarshal.GetArrayDataReference(bottom);
        ref var d = ref MemoryMarshal.GetReference(dst);
        var nan = 0;
        var x = 0;
        // The same loop at both widths: 256-bit where the CPU has it (AVX2), 128-bit otherwise (NEON, SSE).
        if (Vector256.IsHardwareAccelerated)
        {
            var (vf, min, max) = (Vector256.Create(fy), Vector256.Create(minDepth), Vector256.Create(maxDepth));
            var invalid = Vector256.Create(float.NaN);
            for (; x <= dst.Length - Vector256<float>.Count; x += Vector256<float>.Count)
            {
                var a = Vector256.LoadUnsafe(ref t, (nuint)x);
                var v = a + vf * (Vector256.LoadUnsafe(ref b, (nuint)x) - a);
                var valid = Vector256.Equals(v - v, Vector256<float>.Zero);
                if (reciprocal)
                {
                    valid &= Vector256.GreaterThan(v, Vector256<float>.Zero);
                    v = Vector256<float>.One / v;
                }
                valid &= Vector256.GreaterThanOrEqual(v, min) & Vector256.LessThanOrEqual(v, max) & Vector256.Equals(v - v, Vector256<float>.Zero);
                Vector256.ConditionalSelect(valid, v, invalid).StoreUnsafe(ref d, (nuint)x);
                nan += Vector256<float>.Count - BitOperations.PopCount(valid.ExtractMostSignificantBits());
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var (vf, min, max) = (Vector128.Create(fy), Vector128.Create(minDepth), Vector128.Create(maxDepth));
            var invalid = Vector128.Create(float.NaN);
            for (; x <= dst.Length - Vector128<float>.Count; x += Vector128<float>.Count)
            {
                var a = Vector128.LoadUnsafe(ref t, (nuint)x);
                var v = a + vf * (Vector128.LoadUnsafe(ref b, (nuint)x) - a);
                // v − v is 0 for finite v, NaN for NaN and ±Inf: one comparison rejects both.
                var valid = Vector128.Equals(v - v, Vector128<float>.Zero);
                if (reciprocal)
                {
                    valid &= Vector128.GreaterThan(v, Vector128<float>.Zero);
                    v = Vector128<float>.One / v;
                }
                valid &= Vector128.GreaterThanOrEqual(v, min) & Vector128.LessThanOrEqual(v, max) & Vector128.Equals(v - v, Vector128<float>.Zero);
                Vector128.ConditionalSelect(valid, v, invalid).StoreUnsafe(ref d, (nuint)x);
                nan += Vector128<float>.Count - BitOperations.PopCount(valid.ExtractMostSignificantBits());
            }
        }
        for (; x < dst.Length; x++)
        {
            var a = Unsafe.Add(ref t, x);
            var v = a + fy * (Unsafe.Add(ref b, x) - a);
            var ok = float.IsFinite(v);
            if (reciprocal) { ok &= v > 0; v = 1f / v; }
            ok &= v >= minDepth && v <= maxDepth && float.IsFinite(v);
            if (!ok) { v = float.NaN; nan++; }
            Unsafe.Add(ref d, x) = v;
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
    internal static int CountNonFinite(ReadOnlyImageSpan<float> image)
    {
        var n = 0;
        for (var y = 0; y < image.Height; y++) n += CountNonFinite(image.Row(y));
        return n;
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
