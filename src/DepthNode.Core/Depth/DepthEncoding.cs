using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthNode.Depth;

/// <summary>What 32FC1 → 16UC1 does with depth beyond 65.535 m, the largest millimetre count a uint16 holds.</summary>
public enum FarDepthPolicy
{
    /// <summary>0 (invalid): a consumer never sees a wrong distance. The default.</summary>
    Invalid,

    /// <summary>65535 mm: keeps "something far is there", at the cost of a distance that is too short.</summary>
    Clamp,
}

/// <summary>
/// The two REP 118 depth encodings and conversion between them, into caller spans (no allocation), with row strides in
/// elements so padded Image rows work:
/// <list type="bullet">
/// <item>32FC1: metres along the optical axis; NaN (and ±Inf, REP 117) is invalid.</item>
/// <item>16UC1: millimetres; 0 is invalid (the OpenNI raw convention, depth_image_proc DepthTraits&lt;uint16_t&gt;).</item>
/// </list>
/// Metres → millimetres rounds to the nearest millimetre (halves up, as DepthTraits&lt;uint16_t&gt;::fromMeters adds 0.5);
/// non-finite, ≤ 0 and sub-half-millimetre depths become 0; depths that round above 65535 mm follow <see cref="FarDepthPolicy"/>.
/// Millimetres → metres multiplies by 0.001f (within 1e-7 relative of exact; every uint16 still round-trips) and turns
/// 0 into NaN, as depth_image_proc's ConvertMetric does.
/// </summary>
public static partial class DepthEncoding
{
    public const string Metres32F = "32FC1";
    public const string Millimetres16U = "16UC1";

    /// <summary>Largest depth 16UC1 can carry, in metres (65535 mm).</summary>
    public const float MaxMillimetreDepth = 65.535f;

    /// <summary>32FC1 → 16UC1 of a <paramref name="width"/>×<paramref name="height"/> image; strides in elements.</summary>
    // Hot kernels are compiled fully optimized once (AggressiveOptimization): the profile-guided tier-1 rejit of this
    // loop measured 3–4× slower than the first optimized version under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MetresToMillimetres(ReadOnlySpan<float> metres, int width, int height, int metresRowStride,
        Span<ushort> millimetres, int millimetresRowStride, FarDepthPolicy far = FarDepthPolicy.Invalid)
    {
        CheckImage("32FC1 source", metres.Length, width, height, metresRowStride);
        CheckImage("16UC1 destination", millimetres.Length, width, height, millimetresRowStride);
        var farValue = far == FarDepthPolicy.Clamp ? ushort.MaxValue : (ushort)0;
        for (var v = 0; v < height; v++)
        {
            var src = metres.Slice(v * metresRowStride, width);
            var dst = millimetres.Slice(v * millimetresRowStride, width);
            var u = 0;
            if (Avx2.IsSupported)
            {
                var thousand = Vector256.Create(1000f);
                var half = Vector256.Create(0.5f);
                var limit = Vector256.Create(65536f);
                // Invalid: 65536 (too far) & 0xFFFF = 0, every smaller count unchanged. Clamp: the saturating pack
                // turns 65536 into 65535.
                var mask = Vector256.Create(far == FarDepthPolicy.Clamp ? -1 : 0xFFFF);
                ref var from = ref MemoryMarshal.GetReference(src);
                ref var to = ref MemoryMarshal.GetReference(dst);
                for (; u <= width - 16; u += 16)
                {
                    var a = ToMillimetres(Vector256.LoadUnsafe(ref from, (nuint)u), thousand, half, limit) & mask;
                    var b = ToMillimetres(Vector256.LoadUnsafe(ref from, (nuint)u + 8), thousand, half, limit) & mask;
                    // Lane-wise pack (a0-3 b0-3 | a4-7 b4-7), then put the 64-bit quarters back in order.
                    var packed = Avx2.PackUnsignedSaturate(a, b);
                    Avx2.Permute4x64(packed.AsUInt64(), 0b11_01_10_00).AsUInt16().StoreUnsafe(ref to, (nuint)u);
                }
            }
            for (; u < width; u++) dst[u] = ToMillimetres(src[u], farValue);
        }
    }

    // Millimetre counts in 0..65536, 65536 meaning "too far". x86 max returns its second operand when either is NaN,
    // so max(x, 0) sends NaN, -Inf and negatives to 0; min(·, 65536) caps +Inf; truncating x + 0.5 rounds half up;
    // anything below 1 truncates to 0, the invalid value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ToMillimetres(Vector256<float> m, Vector256<float> thousand, Vector256<float> half,
        Vector256<float> limit) =>
        Avx.ConvertToVector256Int32WithTruncation(Avx.Min(Avx.Max(m * thousand + half, Vector256<float>.Zero), limit));

    /// <summary>One depth in metres as 16UC1 millimetres, by the rules above.</summary>
    public static ushort ToMillimetres(float metres, FarDepthPolicy far = FarDepthPolicy.Invalid) =>
        ToMillimetres(metres, far == FarDepthPolicy.Clamp ? ushort.MaxValue : (ushort)0);

    private static ushort ToMillimetres(float metres, ushort farValue)
    {
        var mm = metres * 1000f + 0.5f;
        if (!(mm >= 1f)) return 0; // NaN, -Inf, ≤ 0, < 0.5 mm
        return mm >= 65536f ? farValue : (ushort)mm;
    }

    /// <summary>16UC1 → 32FC1 of a <paramref name="width"/>×<paramref name="height"/> image; strides in elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MillimetresToMetres(ReadOnlySpan<ushort> millimetres, int width, int height, int millimetresRowStride,
        Span<float> metres, int metresRowStride)
    {
        CheckImage("16UC1 source", millimetres.Length, width, height, millimetresRowStride);
        CheckImage("32FC1 destination", metres.Length, width, height, metresRowStride);
        for (var v = 0; v < height; v++)
        {
            var src = millimetres.Slice(v * millimetresRowStride, width);
            var dst = metres.Slice(v * metresRowStride, width);
            var u = 0;
            if (Avx2.IsSupported)
            {
                var milli = Vector256.Create(0.001f);
                var nan = Vector256.Create(float.NaN);
                ref var from = ref MemoryMarshal.GetReference(src);
                ref var to = ref MemoryMarshal.GetReference(dst);
                for (; u <= width - 16; u += 16)
                {
                    var fLo = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref from, (nuint)u)));
                    var fHi = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref from, (nuint)u + 8)));
                    Avx.BlendVariable(fLo * milli, nan, Avx.CompareEqual(fLo, Vector256<float>.Zero)).StoreUnsafe(ref to, (nuint)u);
                    Avx.BlendVariable(fHi * milli, nan, Avx.CompareEqual(fHi, Vector256<float>.Zero)).StoreUnsafe(ref to, (nuint)u + 8);
                }
            }
            for (; u < width; u++) dst[u] = ToMetres(src[u]);
        }
    }

    /// <summary>One 16UC1 value in metres: 0 → NaN.</summary>
    public static float ToMetres(ushort millimetres) => millimetres == 0 ? float.NaN : millimetres * 0.001f;

    private static void CheckImage(string name, int length, int width, int height, int rowStride)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"depth encoding: {name} size {width}x{height} is empty");
        if (rowStride < width)
            throw new ArgumentException($"depth encoding: {name} row stride {rowStride} is smaller than width {width}");
        if (checked((long)(height - 1) * rowStride + width) > length)
            throw new ArgumentException(
                $"depth encoding: {name} holds {length} elements, {width}x{height} with row stride {rowStride} needs more");
    }
}
