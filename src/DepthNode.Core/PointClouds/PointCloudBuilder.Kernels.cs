using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthNode.PointClouds;

// The per-row kernels: scalar (any stride, any CPU) and AVX (stride 1), xyz and xyzrgb.
public sealed partial class PointCloudBuilder
{
    // Row kernels are AggressiveOptimization: compiled fully optimized once, as the other per-frame kernels (DepthEncoding,
    // DepthColorizer) must be to avoid a slower profile-guided rejit.

    // Invalid when NaN, ≤ 0, +Inf, or outside [min, max]: NaN fails both comparisons.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InRange(float z, float min, float max) => z >= min && z <= max;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRow(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, int firstColumn, float ry, int stride,
        float min, float max, Span<byte> outRow)
    {
        var invalid = Vector128.Create(float.NaN, float.NaN, float.NaN, 0f);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        var valid = 0;
        for (var i = firstColumn; i < xOverZ.Length; i++)
        {
            var z = depthRow[i * stride];
            var ok = InRange(z, min, max);
            valid += ok ? 1 : 0;
            var point = ok ? Vector128.Create(xOverZ[i] * z, ry * z, z, 0f) : invalid;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i * XyzPointStep), point);
        }
        return valid;
    }

    // Eight points per iteration: x, y, z as 8-wide vectors (NaN where invalid), transposed into eight (x, y, z, 0)
    // records with unpack/shuffle, so every output byte is written once with full-width stores. Each returned vector
    // holds two records: (0 | 4), (1 | 5), (2 | 6), (3 | 7).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> P04, Vector256<float> P15, Vector256<float> P26, Vector256<float> P37, int Valid) EightPoints(
        ref float zs, ref float rx, int i, Vector256<float> vry, Vector256<float> vmin, Vector256<float> vmax)
    {
        var nan = Vector256.Create(float.NaN);
        var z = Vector256.LoadUnsafe(ref zs, (nuint)i);
        var ok = Vector256.GreaterThanOrEqual(z, vmin) & Vector256.LessThanOrEqual(z, vmax);
        var valid = BitOperations.PopCount(ok.ExtractMostSignificantBits());
        var x = Vector256.ConditionalSelect(ok, Vector256.LoadUnsafe(ref rx, (nuint)i) * z, nan);
        var y = Vector256.ConditionalSelect(ok, vry * z, nan);
        z = Vector256.ConditionalSelect(ok, z, nan);
        var xyLow = Avx.UnpackLow(x, y);                       // x0 y0 x1 y1 | x4 y4 x5 y5
        var xyHigh = Avx.UnpackHigh(x, y);                     // x2 y2 x3 y3 | x6 y6 x7 y7
        var z0Low = Avx.UnpackLow(z, Vector256<float>.Zero);   // z0 0 z1 0 | z4 0 z5 0
        var z0High = Avx.UnpackHigh(z, Vector256<float>.Zero);
        return (Avx.Shuffle(xyLow, z0Low, 0x44), Avx.Shuffle(xyLow, z0Low, 0xEE),
            Avx.Shuffle(xyHigh, z0High, 0x44), Avx.Shuffle(xyHigh, z0High, 0xEE), valid);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRowAvx(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, float ry, float min, float max,
        Span<byte> outRow)
    {
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        var (vry, vmin, vmax) = (Vector256.Create(ry), Vector256.Create(min), Vector256.Create(max));
        var valid = 0;
        var i = 0;
        for (; i <= xOverZ.Length - 8; i += 8)
        {
            var (p04, p15, p26, p37, n) = EightPoints(ref zs, ref rx, i, vry, vmin, vmax);
            valid += n;
            ref var o = ref Unsafe.As<byte, float>(ref Unsafe.Add(ref dst, i * XyzPointStep));
            Avx.Permute2x128(p04, p15, 0x20).StoreUnsafe(ref o);       // records 0, 1
            Avx.Permute2x128(p26, p37, 0x20).StoreUnsafe(ref o, 8);    // records 2, 3
            Avx.Permute2x128(p04, p15, 0x31).StoreUnsafe(ref o, 16);   // records 4, 5
            Avx.Permute2x128(p26, p37, 0x31).StoreUnsafe(ref o, 24);   // records 6, 7
        }
        return valid + XyzRow(depthRow, xOverZ, i, ry, 1, min, max, outRow);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRgbRowAvx(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, float ry, float min, float max,
        ReadOnlySpan<byte> rgbRow, ColourLayout layout, Span<byte> outRow)
    {
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var px = ref MemoryMarshal.GetReference(rgbRow);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        var (vry, vmin, vmax) = (Vector256.Create(ry), Vector256.Create(min), Vector256.Create(max));
        var shuffle = PackingShuffle(layout);
        var bpp = layout.BytesPerPixel;
        var zero = Vector256<float>.Zero;
        var valid = 0;
        var i = 0;
        // Colour for four pixels comes from one 16-byte load; stop while both loads stay inside the row.
        for (; i <= xOverZ.Length - 8 && (i + 4) * bpp + 16 <= rgbRow.Length; i += 8)
        {
            var (p04, p15, p26, p37, n) = EightPoints(ref zs, ref rx, i, vry, vmin, vmax);
            valid += n;
            ref var c = ref Unsafe.Add(ref px, i * bpp);
            var rgb = Vector256.Create(
                Ssse3.Shuffle(Vector128.LoadUnsafe(ref c), shuffle),
                Ssse3.Shuffle(Vector128.LoadUnsafe(ref Unsafe.Add(ref c, 4 * bpp)), shuffle)).AsSingle(); // c0..c3 | c4..c7
            var cLow = Avx.UnpackLow(rgb, zero);    // c0 0 c1 0 | c4 0 c5 0
            var cHigh = Avx.UnpackHigh(rgb, zero);  // c2 0 c3 0 | c6 0 c7 0
            var c04 = Avx.Shuffle(cLow, zero, 0x04);   // c0 0 0 0 | c4 0 0 0
            var c15 = Avx.Shuffle(cLow, zero, 0x0E);
            var c26 = Avx.Shuffle(cHigh, zero, 0x04);
            var c37 = Avx.Shuffle(cHigh, zero, 0x0E);
            // One 32-byte store per record: (x, y, z, 0 | rgb, 0, 0, 0).
            ref var o = ref Unsafe.As<byte, float>(ref Unsafe.Add(ref dst, i * XyzRgbPointStep));
            Avx.Permute2x128(p04, c04, 0x20).StoreUnsafe(ref o);
            Avx.Permute2x128(p15, c15, 0x20).StoreUnsafe(ref o, 8);
            Avx.Permute2x128(p26, c26, 0x20).StoreUnsafe(ref o, 16);
            Avx.Permute2x128(p37, c37, 0x20).StoreUnsafe(ref o, 24);
            Avx.Permute2x128(p04, c04, 0x31).StoreUnsafe(ref o, 32);
            Avx.Permute2x128(p15, c15, 0x31).StoreUnsafe(ref o, 40);
            Avx.Permute2x128(p26, c26, 0x31).StoreUnsafe(ref o, 48);
            Avx.Permute2x128(p37, c37, 0x31).StoreUnsafe(ref o, 56);
        }
        return valid + XyzRgbRow(depthRow, xOverZ, i, ry, 1, min, max, rgbRow, layout, outRow);
    }

    // pshufb control turning four pixels of any ColourLayout into four little-endian 0x00RRGGBB words
    // (0x80 writes a zero byte).
    private static Vector128<byte> PackingShuffle(ColourLayout layout)
    {
        Span<byte> control = stackalloc byte[16];
        for (var k = 0; k < 4; k++)
        {
            var pixel = k * layout.BytesPerPixel;
            control[4 * k] = (byte)(pixel + layout.Blue);
            control[4 * k + 1] = (byte)(pixel + layout.Green);
            control[4 * k + 2] = (byte)(pixel + layout.Red);
            control[4 * k + 3] = 0x80;
        }
        return Vector128.Create((ReadOnlySpan<byte>)control);
    }

    // rgb as PCL packs it: a little-endian 0x00RRGGBB in a float's bytes (B at the lowest address, then G, R, and a
    // zero byte), followed by three floats of zero padding.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Packed(ref byte colour, int pixel, ColourLayout layout)
    {
        ref var p = ref Unsafe.Add(ref colour, pixel * layout.BytesPerPixel);
        var packed = (uint)Unsafe.Add(ref p, layout.Blue) | (uint)Unsafe.Add(ref p, layout.Green) << 8 | (uint)Unsafe.Add(ref p, layout.Red) << 16;
        return Vector128.CreateScalar(packed).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRgbRow(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, int firstColumn, float ry, int stride,
        float min, float max, ReadOnlySpan<byte> rgbRow, ColourLayout layout, Span<byte> outRow)
    {
        var invalid = Vector128.Create(float.NaN, float.NaN, float.NaN, 0f);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        ref var px = ref MemoryMarshal.GetReference(rgbRow);
        var valid = 0;
        for (var i = firstColumn; i < xOverZ.Length; i++)
        {
            var z = depthRow[i * stride];
            var ok = InRange(z, min, max);
            valid += ok ? 1 : 0;
            var point = ok ? Vector128.Create(xOverZ[i] * z, ry * z, z, 0f) : invalid;
            ref var o = ref Unsafe.Add(ref dst, i * XyzRgbPointStep);
            Unsafe.WriteUnaligned(ref o, point);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 16), Packed(ref px, i * stride, layout));
        }
        return valid;
    }
}
