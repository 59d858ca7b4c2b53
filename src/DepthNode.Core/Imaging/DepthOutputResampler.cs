namespace DepthNode.Imaging;

/// <summary>How many pixels were not finite on the way from the network output to the camera-resolution image.</summary>
public readonly record struct ResampleCounts(int NonFiniteInputs, int NaNOutputs);

/// <summary>
/// Resizes the network's output (depth or disparity) to the camera resolution with bilinear interpolation
/// (half-pixel centres, edge clamping: OpenCV INTER_LINEAR) into a caller-supplied span. A NaN or ±Inf network value
/// makes every output pixel that draws on it NaN (REP 118: invalid) and is counted. Tables are rebuilt only when sizes
/// change.
/// </summary>
public sealed class DepthOutputResampler
{
    private int[] _x0 = [], _x1 = [], _y0 = [], _y1 = [];
    private float[] _fx = [], _fy = [];
    private int _sw, _sh, _dw, _dh;

    public ResampleCounts Run(ReadOnlySpan<float> source, int sourceWidth, int sourceHeight, Span<float> destination, int width, int height)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0 || (long)sourceWidth * sourceHeight > source.Length)
            throw new ArgumentException($"source {sourceWidth}x{sourceHeight} does not fit {source.Length} values", nameof(source));
        if (width <= 0 || height <= 0 || (long)width * height > destination.Length)
            throw new ArgumentException($"destination {width}x{height} does not fit {destination.Length} values", nameof(destination));
        if (sourceWidth != _sw || sourceHeight != _sh || width != _dw || height != _dh)
        {
            (_x0, _x1, _fx) = Table(sourceWidth, width);
            (_y0, _y1, _fy) = Table(sourceHeight, height);
            (_sw, _sh, _dw, _dh) = (sourceWidth, sourceHeight, width, height);
        }
        var nonFinite = 0;
        foreach (var v in source[..(sourceWidth * sourceHeight)]) if (!float.IsFinite(v)) nonFinite++;

        var nan = 0;
        for (var y = 0; y < height; y++)
        {
            var y0 = _y0[y]; var fy = _fy[y];
            var y1 = _y1[y];
            var r0 = source.Slice(y0 * sourceWidth, sourceWidth);
            var r1 = source.Slice(y1 * sourceWidth, sourceWidth);
            var dst = destination.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var x0 = _x0[x]; var fx = _fx[x];
                var x1 = _x1[x];
                var top = r0[x0] + fx * (r0[x1] - r0[x0]);
                var bottom = r1[x0] + fx * (r1[x1] - r1[x0]);
                var v = top + fy * (bottom - top);
                if (!float.IsFinite(v)) { v = float.NaN; nan++; }
                dst[x] = v;
            }
        }
        return new ResampleCounts(nonFinite, nan);
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
