using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DepthNode.PointClouds;

// The per-row kernels, xyz and xyzrgb: one Vector128 record per point, SSE/AVX on x64 and NEON on Arm from this one
// source, any column stride. A record is z·(x/z, y/z, 1, 0): the column's ray plus the row's, times the broadcast depth,
// one multiply per point and every output byte written once.
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
        var rowRay = Vector128.Create(0f, ry, 1f, 0f);
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        var valid = 0;
        for (var i = firstColumn; i < xOverZ.Length; i++)
        {
            var z = Unsafe.Add(ref zs, i * stride);
            var point = invalid;
            if (InRange(z, min, max))
            {
                point = (rowRay + Vector128.CreateScalar(Unsafe.Add(ref rx, i))) * Vector128.Create(z);
                valid++;
            }
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i * XyzPointStep), point);
        }
        return valid;
    }

    // Full columns (stride 1), branch-free: invalid depths become NaN first, then every record is
    // (NaN·ray or z·ray) with its fourth float cleared, which is exactly (NaN, NaN, NaN, 0) for an invalid one. With
    // 256-bit vectors two records come out of each multiply: the depths are spread (z0 ×4 | z1 ×4) by a constant
    // shuffle (one vpermps on AVX2); with 128-bit ones (NEON, SSE) one record per multiply, its depth a lane broadcast.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRowVector(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, ReadOnlySpan<float> columnRays,
        float ry, float min, float max, Span<byte> outRow)
    {
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rays = ref MemoryMarshal.GetReference(columnRays);
        ref var dst = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(outRow));
        var n = xOverZ.Length;
        var valid = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var (vmin, vmax, nan) = (Vector256.Create(min), Vector256.Create(max), Vector256.Create(float.NaN));
            var rowRay = Vector256.Create(0f, ry, 0f, 0f, 0f, ry, 0f, 0f);
            var keepXyz = Vector256.Create(-1, -1, -1, 0, -1, -1, -1, 0).AsSingle();
            for (; i <= n - 8; i += 8)
            {
                var z = Vector256.LoadUnsafe(ref zs, (nuint)i);
                var ok = Vector256.GreaterThanOrEqual(z, vmin) & Vector256.LessThanOrEqual(z, vmax);
                valid += BitOperations.PopCount(ok.ExtractMostSignificantBits());
                z = Vector256.ConditionalSelect(ok, z, nan);
                ref var o = ref Unsafe.Add(ref dst, 4 * i);
                ref var r = ref Unsafe.Add(ref rays, 4 * i);
                ((Vector256.LoadUnsafe(ref r) + rowRay) * Vector256.Shuffle(z, Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1)) & keepXyz).StoreUnsafe(ref o);
                ((Vector256.LoadUnsafe(ref r, 8) + rowRay) * Vector256.Shuffle(z, Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3)) & keepXyz).StoreUnsafe(ref o, 8);
                ((Vector256.LoadUnsafe(ref r, 16) + rowRay) * Vector256.Shuffle(z, Vector256.Create(4, 4, 4, 4, 5, 5, 5, 5)) & keepXyz).StoreUnsafe(ref o, 16);
                ((Vector256.LoadUnsafe(ref r, 24) + rowRay) * Vector256.Shuffle(z, Vector256.Create(6, 6, 6, 6, 7, 7, 7, 7)) & keepXyz).StoreUnsafe(ref o, 24);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var (vmin, vmax, nan) = (Vector128.Create(min), Vector128.Create(max), Vector128.Create(float.NaN));
            var rowRay = Vector128.Create(0f, ry, 0f, 0f);
            var keepXyz = Vector128.Create(-1, -1, -1, 0).AsSingle();
            for (; i <= n - 4; i += 4)
            {
                var z = Vector128.LoadUnsafe(ref zs, (nuint)i);
                var ok = Vector128.GreaterThanOrEqual(z, vmin) & Vector128.LessThanOrEqual(z, vmax);
                valid += BitOperations.PopCount(ok.ExtractMostSignificantBits());
                z = Vector128.ConditionalSelect(ok, z, nan);
                ref var o = ref Unsafe.Add(ref dst, 4 * i);
                ref var r = ref Unsafe.Add(ref rays, 4 * i);
                ((Vector128.LoadUnsafe(ref r) + rowRay) * Vector128.Shuffle(z, Vector128.Create(0, 0, 0, 0)) & keepXyz).StoreUnsafe(ref o);
                ((Vector128.LoadUnsafe(ref r, 4) + rowRay) * Vector128.Shuffle(z, Vector128.Create(1, 1, 1, 1)) & keepXyz).StoreUnsafe(ref o, 4);
                ((Vector128.LoadUnsafe(ref r, 8) + rowRay) * Vector128.Shuffle(z, Vector128.Create(2, 2, 2, 2)) & keepXyz).StoreUnsafe(ref o, 8);
                ((Vector128.LoadUnsafe(ref r, 12) + rowRay) * Vector128.Shuffle(z, Vector128.Create(3, 3, 3, 3)) & keepXyz).StoreUnsafe(ref o, 12);
            }
        }
        return valid + XyzRow(depthRow, xOverZ, i, ry, 1, min, max, outRow);
    }

    // xyzrgb records (x, y, z, 0 | rgb, 0, 0, 0) four pixels at a time, branch-free as XyzRowVector: the four colours
    // come from one 16-byte load and one byte shuffle (pshufb on x64, tbl on Arm) into 0x00RRGGBB words, each then
    // moved alone (upper lanes zero) into its record's second half. Stops while the 16-byte colour load stays inside the row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRgbRowVector(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, ReadOnlySpan<float> columnRays,
        float ry, float min, float max, ReadOnlySpan<byte> rgbRow, ColorLayout layout, Span<byte> outRow)
    {
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rays = ref MemoryMarshal.GetReference(columnRays);
        ref var px = ref MemoryMarshal.GetReference(rgbRow);
        ref var dst = ref Unsafe.As<byte, float>(ref MemoryMarshal.GetReference(outRow));
        var bpp = layout.BytesPerPixel;
        var valid = 0;
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var (vmin, vmax, nan) = (Vector128.Create(min), Vector128.Create(max), Vector128.Create(float.NaN));
            var rowRay = Vector128.Create(0f, ry, 0f, 0f);
            var keepXyz = Vector128.Create(-1, -1, -1, 0).AsSingle();
            var shuffle = PackingShuffle(layout);
            for (; i <= xOverZ.Length - 4 && i * bpp + 16 <= rgbRow.Length; i += 4)
            {
                var z = Vector128.LoadUnsafe(ref zs, (nuint)i);
                var ok = Vector128.GreaterThanOrEqual(z, vmin) & Vector128.LessThanOrEqual(z, vmax);
                valid += BitOperations.PopCount(ok.ExtractMostSignificantBits());
                z = Vector128.ConditionalSelect(ok, z, nan);
                var rgb = Vector128.Shuffle(Vector128.LoadUnsafe(ref Unsafe.Add(ref px, i * bpp)), shuffle).AsInt32();
                ref var o = ref Unsafe.Add(ref dst, 8 * i);
                ref var r = ref Unsafe.Add(ref rays, 4 * i);
                ((Vector128.LoadUnsafe(ref r) + rowRay) * Vector128.Shuffle(z, Vector128.Create(0, 0, 0, 0)) & keepXyz).StoreUnsafe(ref o);
                Vector128.CreateScalar(rgb.GetElement(0)).AsSingle().StoreUnsafe(ref o, 4);
                ((Vector128.LoadUnsafe(ref r, 4) + rowRay) * Vector128.Shuffle(z, Vector128.Create(1, 1, 1, 1)) & keepXyz).StoreUnsafe(ref o, 8);
                Vector128.CreateScalar(rgb.GetElement(1)).AsSingle().StoreUnsafe(ref o, 12);
                ((Vector128.LoadUnsafe(ref r, 8) + rowRay) * Vector128.Shuffle(z, Vector128.Create(2, 2, 2, 2)) & keepXyz).StoreUnsafe(ref o, 16);
                Vector128.CreateScalar(rgb.GetElement(2)).AsSingle().StoreUnsafe(ref o, 20);
                ((Vector128.LoadUnsafe(ref r, 12) + rowRay) * Vector128.Shuffle(z, Vector128.Create(3, 3, 3, 3)) & keepXyz).StoreUnsafe(ref o, 24);
                Vector128.CreateScalar(rgb.GetElement(3)).AsSingle().StoreUnsafe(ref o, 28);
            }
        }
        return valid + XyzRgbRow(depthRow, xOverZ, i, ry, 1, min, max, rgbRow, layout, outRow);
    }

    // Byte-shuffle control turning four pixels of any ColorLayout into four little-endian 0x00RRGGBB words
    // (0x80 is out of range: a zero byte).
    private static Vector128<byte> PackingShuffle(ColorLayout layout)
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
    private static Vector128<float> Packed(ref byte color, int pixel, ColorLayout layout)
    {
        ref var p = ref Unsafe.Add(ref color, pixel * layout.BytesPerPixel);
        var packed = (uint)Unsafe.Add(ref p, layout.Blue) | (uint)Unsafe.Add(ref p, layout.Green) << 8 | (uint)Unsafe.Add(ref p, layout.Red) << 16;
        return Vector128.CreateScalar(packed).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int XyzRgbRow(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, int firstColumn, float ry, int stride,
        float min, float max, ReadOnlySpan<byte> rgbRow, ColorLayout layout, Span<byte> outRow)
    {
        var invalid = Vector128.Create(float.NaN, float.NaN, float.NaN, 0f);
        var rowRay = Vector128.Create(0f, ry, 1f, 0f);
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        ref var px = ref MemoryMarshal.GetReference(rgbRow);
        var valid = 0;
        for (var i = firstColumn; i < xOverZ.Length; i++)
        {
            var z = Unsafe.Add(ref zs, i * stride);
            var point = invalid;
            if (InRange(z, min, max))
            {
                point = (rowRay + Vector128.CreateScalar(Unsafe.Add(ref rx, i))) * Vector128.Create(z);
                valid++;
            }
            ref var o = ref Unsafe.Add(ref dst, i * XyzRgbPointStep);
            Unsafe.WriteUnaligned(ref o, point);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 16), Packed(ref px, i * stride, layout));
        }
        return valid;
    }
}
