using System.Runtime.CompilerServices;
using DepthNode.Inference;

namespace DepthNode.Imaging;

/// <summary>
/// Turns a camera image into the network's input tensor in one pass per axis, applying channel order, scale and
/// mean/std while writing the tensor layout the card asks for. When the image shrinks vertically (the usual case) each
/// output row sums its source rows first, then resamples horizontally; when it grows, each source row is resampled
/// horizontally once into a row cache and output rows blend cached rows. Interpolation tables are rebuilt only when
/// the source or tensor size changes; all scratch is kept, so steady state allocates nothing.
/// </summary>
/// <remarks>
/// Bayer images are demosaiced per 2×2 cell (R, mean of the two G, B) into a half-resolution RGB image covering the
/// same field of view; the network input is far smaller than the sensor, so the lost resolution is invisible.
/// YUV 4:2:2 uses BT.601 limited-range coefficients, as OpenCV's COLOR_YUV2RGB_UYVY. mono16 maps 0..65535 to 0..255.
/// </remarks>
public sealed class ImagePreprocessor
{
    private readonly ModelInputSpec _spec;
    private readonly float[] _gain = new float[3];
    private readonly float[] _bias = new float[3];
    private readonly int[] _sourceChannel = new int[3];
    private ResampleAxis? _x, _y;
    private float[] _row = [];
    private float[] _columns = [];
    private float[] _accumulator = [];
    private float[] _rowSum = [];

    public ImagePreprocessor(ModelInputSpec spec)
    {
        _spec = spec;
        for (var c = 0; c < 3; c++)
        {
            _gain[c] = spec.Scale / spec.Std[c];
            _bias[c] = -spec.Mean[c] / spec.Std[c];
            _sourceChannel[c] = spec.ColorOrder == ColorOrder.Rgb ? c : 2 - c;
        }
    }

    /// <summary>Fills <paramref name="tensor"/> (3 × size.Height × size.Width floats) from <paramref name="image"/>.</summary>
    public void Run(in ImageView image, Span<float> tensor, TensorSize size)
    {
        if (size.Width <= 0 || size.Height <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"tensor size {size} is empty");
        var planeLength = size.Width * size.Height;
        if (tensor.Length < 3 * planeLength)
            throw new ArgumentException($"tensor has {tensor.Length} floats, {size} x 3 needs {3 * planeLength}", nameof(tensor));
        var bayer = PixelEncodings.IsBayer(image.Encoding);
        var sw = bayer ? image.Width / 2 : image.Width;
        var sh = bayer ? image.Height / 2 : image.Height;
        EnsureTables(sw, sh, size);
        var x = _x!; var y = _y!;
        var dw = size.Width;
        var rowLength = dw * 3;

        // Three- and four-byte colour rows are resampled straight from the bytes; the rest are decoded to floats first.
        var (bpp, r, g, b) = image.Encoding switch
        {
            PixelEncoding.Rgb8 => (3, 0, 1, 2),
            PixelEncoding.Bgr8 => (3, 2, 1, 0),
            PixelEncoding.Rgba8 => (4, 0, 1, 2),
            PixelEncoding.Bgra8 => (4, 2, 1, 0),
            _ => (0, 0, 0, 0),
        };
        if (sh > size.Height)
        {
            RunRowsFirst(image, tensor, size, sw, bpp, r, g, b);
            return;
        }
        for (var sy = 0; sy < sh; sy++)
        {
            var dst = _columns.AsSpan(sy * rowLength, rowLength);
            if (bpp != 0) ResampleBytes(x, image.Row(sy), bpp, r, g, b, dst);
            else
            {
                DecodeRow(image, sy, _row);
                ResampleRow(x, _row, dst);
            }
        }

        var acc = _accumulator.AsSpan(0, rowLength);
        for (var oy = 0; oy < size.Height; oy++)
        {
            var off = y.Offset[oy];
            var first = _columns.AsSpan(y.Start[oy] * rowLength, rowLength);
            Scale(first, y.Weights[off], acc);
            for (var k = 1; k < y.Count[oy]; k++)
                MultiplyAdd(_columns.AsSpan((y.Start[oy] + k) * rowLength, rowLength), y.Weights[off + k], acc);
            WriteRow(acc, tensor, oy, size);
        }
    }

    // Shrinking vertically: each output row first sums its few source rows (vectorised, straight from the bytes for
    // 8-bit colour), then resamples that one row horizontally, so the horizontal taps run on output rows only.
    private void RunRowsFirst(in ImageView image, Span<float> tensor, TensorSize size, int sw, int bpp, int r, int g, int b)
    {
        var x = _x!; var y = _y!;
        var stride = bpp != 0 ? bpp : 3;
        var sum = _rowSum.AsSpan(0, sw * stride);
        var acc = _accumulator.AsSpan(0, size.Width * 3);
        for (var oy = 0; oy < size.Height; oy++)
        {
            var off = y.Offset[oy];
            for (var k = 0; k < y.Count[oy]; k++)
            {
                var sy = y.Start[oy] + k;
                var w = y.Weights[off + k];
                if (bpp != 0) AccumulateBytes(image.Row(sy)[..sum.Length], w, sum, k == 0);
                else
                {
                    DecodeRow(image, sy, _row);
                    if (k == 0) Scale(_row.AsSpan(0, sum.Length), w, sum);
                    else MultiplyAdd(_row.AsSpan(0, sum.Length), w, sum);
                }
            }
            if (bpp != 0) ResampleFloats(x, sum, stride, r, g, b, acc);
            else ResampleFloats(x, sum, 3, 0, 1, 2, acc);
            WriteRow(acc, tensor, oy, size);
        }
    }

    private static void AccumulateBytes(ReadOnlySpan<byte> src, float w, Span<float> sum, bool first)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var n = System.Numerics.Vector<float>.Count;
            var bytes = System.Numerics.Vector<byte>.Count; // = 4·n
            var vw = new System.Numerics.Vector<float>(w);
            Span<System.Numerics.Vector<float>> f = stackalloc System.Numerics.Vector<float>[4];
            for (; i <= src.Length - bytes; i += bytes)
            {
                System.Numerics.Vector.Widen(new System.Numerics.Vector<byte>(src[i..]), out var lo, out var hi);
                System.Numerics.Vector.Widen(lo, out var a0, out var a1);
                System.Numerics.Vector.Widen(hi, out var a2, out var a3);
                f[0] = System.Numerics.Vector.ConvertToSingle(a0); f[1] = System.Numerics.Vector.ConvertToSingle(a1);
                f[2] = System.Numerics.Vector.ConvertToSingle(a2); f[3] = System.Numerics.Vector.ConvertToSingle(a3);
                for (var q = 0; q < 4; q++)
                {
                    var at = sum[(i + q * n)..];
                    var v = f[q] * vw;
                    (first ? v : v + new System.Numerics.Vector<float>(at)).CopyTo(at);
                }
            }
        }
        for (; i < src.Length; i++) sum[i] = first ? w * src[i] : sum[i] + w * src[i];
    }

    private static unsafe void ResampleFloats(ResampleAxis x, ReadOnlySpan<float> row, int stride, int r, int g, int b, Span<float> dst)
    {
        fixed (float* src = row, d = dst, weights = x.Weights)
        fixed (int* starts = x.Start, counts = x.Count, offsets = x.Offset)
        {
            var o = d;
            for (var i = 0; i < x.Destination; i++, o += 3)
            {
                float sr = 0, sg = 0, sb = 0;
                var p = src + starts[i] * stride;
                var w = weights + offsets[i];
                var c = counts[i];
                for (var k = 0; k < c; k++, p += stride)
                {
                    var wk = w[k];
                    sr += wk * p[r]; sg += wk * p[g]; sb += wk * p[b];
                }
                o[0] = sr; o[1] = sg; o[2] = sb;
            }
        }
    }

    private static void Scale(ReadOnlySpan<float> src, float w, Span<float> acc)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vw = new System.Numerics.Vector<float>(w);
            var n = System.Numerics.Vector<float>.Count;
            for (; i <= src.Length - n; i += n) (new System.Numerics.Vector<float>(src[i..]) * vw).CopyTo(acc[i..]);
        }
        for (; i < src.Length; i++) acc[i] = w * src[i];
    }

    private static void MultiplyAdd(ReadOnlySpan<float> src, float w, Span<float> acc)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var vw = new System.Numerics.Vector<float>(w);
            var n = System.Numerics.Vector<float>.Count;
            for (; i <= src.Length - n; i += n)
                (new System.Numerics.Vector<float>(acc[i..]) + new System.Numerics.Vector<float>(src[i..]) * vw).CopyTo(acc[i..]);
        }
        for (; i < src.Length; i++) acc[i] += w * src[i];
    }

    private static unsafe void ResampleBytes(ResampleAxis x, ReadOnlySpan<byte> row, int bpp, int r, int g, int b, Span<float> dst)
    {
        fixed (byte* src = row)
        fixed (float* d = dst)
        fixed (int* starts = x.Start, counts = x.Count, offsets = x.Offset)
        fixed (float* weights = x.Weights)
        {
            var o = d;
            for (var i = 0; i < x.Destination; i++, o += 3)
            {
                float sr = 0, sg = 0, sb = 0;
                var p = src + starts[i] * bpp;
                var w = weights + offsets[i];
                var c = counts[i];
                for (var k = 0; k < c; k++, p += bpp)
                {
                    var wk = w[k];
                    sr += wk * p[r]; sg += wk * p[g]; sb += wk * p[b];
                }
                o[0] = sr; o[1] = sg; o[2] = sb;
            }
        }
    }

    private void EnsureTables(int sw, int sh, TensorSize size)
    {
        var linear = _spec.Resize == ResizeFilter.Linear;
        if (_x is null || _x.Source != sw || _x.Destination != size.Width) _x = new ResampleAxis(sw, size.Width, linear);
        if (_y is null || _y.Source != sh || _y.Destination != size.Height) _y = new ResampleAxis(sh, size.Height, linear);
        if (_row.Length < sw * 3) _row = new float[sw * 3];
        if (sh <= size.Height && _columns.Length < sh * size.Width * 3) _columns = new float[sh * size.Width * 3];
        if (_accumulator.Length < size.Width * 3) _accumulator = new float[size.Width * 3];
        if (_rowSum.Length < sw * 4) _rowSum = new float[sw * 4];
    }

    private static void ResampleRow(ResampleAxis x, ReadOnlySpan<float> rgb, Span<float> dst)
    {
        var starts = x.Start; var counts = x.Count; var offsets = x.Offset; var weights = x.Weights;
        for (var i = 0; i < x.Destination; i++)
        {
            float r = 0, g = 0, b = 0;
            var s = starts[i] * 3; var o = offsets[i];
            for (var k = 0; k < counts[i]; k++, s += 3)
            {
                var w = weights[o + k];
                r += w * rgb[s]; g += w * rgb[s + 1]; b += w * rgb[s + 2];
            }
            dst[i * 3] = r; dst[i * 3 + 1] = g; dst[i * 3 + 2] = b;
        }
    }

    private void WriteRow(ReadOnlySpan<float> rgb, Span<float> tensor, int oy, TensorSize size)
    {
        var dw = size.Width;
        if (_spec.Layout == TensorLayout.Nchw)
        {
            var plane = dw * size.Height;
            for (var c = 0; c < 3; c++)
            {
                var dst = tensor.Slice(c * plane + oy * dw, dw);
                var g = _gain[c]; var b = _bias[c];
                var src = rgb[_sourceChannel[c]..];
                unsafe
                {
                    fixed (float* s = src, d = dst)
                        for (var i = 0; i < dw; i++) d[i] = s[i * 3] * g + b;
                }
            }
        }
        else
        {
            var dst = tensor.Slice(oy * dw * 3, dw * 3);
            for (var i = 0; i < dw; i++)
                for (var c = 0; c < 3; c++)
                    dst[i * 3 + c] = rgb[i * 3 + _sourceChannel[c]] * _gain[c] + _bias[c];
        }
    }

    /// <summary>One row of the (logical) source image as R, G, B floats in 0..255.</summary>
    private static void DecodeRow(in ImageView image, int y, Span<float> rgb)
    {
        var w = image.Width;
        switch (image.Encoding)
        {
            case PixelEncoding.Rgb8: Interleaved(image.Row(y), w, 3, 0, 1, 2, rgb); break;
            case PixelEncoding.Bgr8: Interleaved(image.Row(y), w, 3, 2, 1, 0, rgb); break;
            case PixelEncoding.Rgba8: Interleaved(image.Row(y), w, 4, 0, 1, 2, rgb); break;
            case PixelEncoding.Bgra8: Interleaved(image.Row(y), w, 4, 2, 1, 0, rgb); break;
            case PixelEncoding.Mono8:
            {
                var row = image.Row(y);
                for (var i = 0; i < w; i++) { float v = row[i]; rgb[i * 3] = v; rgb[i * 3 + 1] = v; rgb[i * 3 + 2] = v; }
                break;
            }
            case PixelEncoding.Mono16:
            {
                var row = image.Row(y);
                var (hi, lo) = image.IsBigEndian ? (0, 1) : (1, 0);
                const float toByteRange = 255f / 65535f;
                for (var i = 0; i < w; i++)
                {
                    var v = ((row[i * 2 + hi] << 8) | row[i * 2 + lo]) * toByteRange;
                    rgb[i * 3] = v; rgb[i * 3 + 1] = v; rgb[i * 3 + 2] = v;
                }
                break;
            }
            case PixelEncoding.Uyvy: Yuv422(image.Row(y), w, 1, 0, 2, rgb); break;
            case PixelEncoding.Yuyv: Yuv422(image.Row(y), w, 0, 1, 3, rgb); break;
            default: Bayer(image, y, rgb); break;
        }
    }

    private static void Interleaved(ReadOnlySpan<byte> row, int w, int bpp, int r, int g, int b, Span<float> rgb)
    {
        for (int i = 0, s = 0; i < w; i++, s += bpp)
        {
            rgb[i * 3] = row[s + r]; rgb[i * 3 + 1] = row[s + g]; rgb[i * 3 + 2] = row[s + b];
        }
    }

    // Byte offsets inside a 4-byte pixel pair: the first luma, the U and the V sample (the second luma is first + 2).
    private static void Yuv422(ReadOnlySpan<byte> row, int w, int y0, int u, int v, Span<float> rgb)
    {
        for (var p = 0; p < w; p += 2)
        {
            var s = p * 2;
            var cu = row[s + u] - 128f;
            var cv = row[s + v] - 128f;
            var dr = 1.596f * cv;
            var dg = -0.813f * cv - 0.391f * cu;
            var db = 2.018f * cu;
            Yuv(row[s + y0], dr, dg, db, rgb.Slice(p * 3, 3));
            Yuv(row[s + y0 + 2], dr, dg, db, rgb.Slice(p * 3 + 3, 3));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Yuv(byte luma, float dr, float dg, float db, Span<float> rgb)
    {
        var l = 1.164f * (luma - 16f);
        rgb[0] = Math.Clamp(l + dr, 0f, 255f);
        rgb[1] = Math.Clamp(l + dg, 0f, 255f);
        rgb[2] = Math.Clamp(l + db, 0f, 255f);
    }

    private static void Bayer(in ImageView image, int y, Span<float> rgb)
    {
        // Index (0..3 = top-left, top-right, bottom-left, bottom-right) of the red and blue sample in a 2×2 cell.
        var (red, blue) = image.Encoding switch
        {
            PixelEncoding.BayerRggb8 => (0, 3),
            PixelEncoding.BayerBggr8 => (3, 0),
            PixelEncoding.BayerGbrg8 => (2, 1),
            _ => (1, 2), // grbg
        };
        var top = image.Row(2 * y);
        var bottom = image.Row(2 * y + 1);
        var w = image.Width / 2;
        for (var i = 0; i < w; i++)
        {
            var x = 2 * i;
            int c0 = top[x], c1 = top[x + 1], c2 = bottom[x], c3 = bottom[x + 1];
            var sum = c0 + c1 + c2 + c3;
            var r = Pick(red, c0, c1, c2, c3);
            var b = Pick(blue, c0, c1, c2, c3);
            rgb[i * 3] = r; rgb[i * 3 + 1] = (sum - r - b) * 0.5f; rgb[i * 3 + 2] = b;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pick(int index, int c0, int c1, int c2, int c3) => index switch { 0 => c0, 1 => c1, 2 => c2, _ => c3 };
}
