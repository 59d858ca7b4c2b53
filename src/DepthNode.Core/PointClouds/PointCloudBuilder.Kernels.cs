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
    private static int XyzRow(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, float ry, int stride,
        float min, float max, Span<byte> outRow)
    {
        var invalid = Vector128.Create(float.NaN, float.NaN, float.NaN, 0f);
        var rowRay = Vector128.Create(0f, ry, 1f, 0f);
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        var valid = 0;
        for (var i = 0; i < xOverZ.Length; i++)
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
    private static int XyzRgbRow(ReadOnlySpan<float> depthRow, ReadOnlySpan<float> xOverZ, float ry, int stride,
        float min, float max, ReadOnlySpan<byte> rgbRow, ColorLayout layout, Span<byte> outRow)
    {
        var invalid = Vector128.Create(float.NaN, float.NaN, float.NaN, 0f);
        var rowRay = Vector128.Create(0f, ry, 1f, 0f);
        ref var zs = ref MemoryMarshal.GetReference(depthRow);
        ref var rx = ref MemoryMarshal.GetReference(xOverZ);
        ref var dst = ref MemoryMarshal.GetReference(outRow);
        ref var px = ref MemoryMarshal.GetReference(rgbRow);
        var valid = 0;
        for (var i = 0; i < xOverZ.Length; i++)
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
