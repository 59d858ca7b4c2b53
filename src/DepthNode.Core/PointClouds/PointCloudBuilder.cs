using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DepthNode.Camera;
using DepthNode.Messages;

namespace DepthNode.PointClouds;

/// <summary>
/// Options of the point cloud stage. Depth limits are along the optical axis (z), in metres; points outside them are
/// NaN, like invalid depth, so the cloud stays organized.
/// </summary>
public sealed record PointCloudOptions
{
    /// <summary>Keep every Stride-th column and row (1 = full resolution); the cloud is ceil(W/s)×ceil(H/s).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Points with z below this are NaN. Depth ≤ 0 is always invalid.</summary>
    public float MinDepth { get; init; }

    /// <summary>Points with z above this are NaN. +Inf (REP 117 "no return") is always invalid.</summary>
    public float MaxDepth { get; init; } = float.PositiveInfinity;

    /// <summary>Add the packed rgb field (depth_image_proc point_cloud_xyzrgb layout) from a colour image.</summary>
    public bool Rgb { get; init; }

    public void Validate()
    {
        if (Stride < 1) throw new ArgumentOutOfRangeException(nameof(Stride), Stride, "point cloud stride must be ≥ 1");
        if (!(MinDepth >= 0) || float.IsPositiveInfinity(MinDepth))
            throw new ArgumentOutOfRangeException(nameof(MinDepth), MinDepth, "point cloud min depth must be finite and ≥ 0");
        if (!(MaxDepth > MinDepth))
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, $"point cloud max depth must be > min depth {MinDepth}");
    }
}

/// <summary>
/// Where a pixel's red, green and blue bytes sit in a colour image, for the encodings depth_image_proc's xyzrgb node
/// reads directly (its red/green/blue offsets and colour step): rgb8, bgr8, rgba8, bgra8 and mono8.
/// </summary>
public readonly record struct ColourLayout(int Red, int Green, int Blue, int BytesPerPixel)
{
    public static readonly ColourLayout Rgb8 = new(0, 1, 2, 3);
    public static readonly ColourLayout Bgr8 = new(2, 1, 0, 3);
    public static readonly ColourLayout Rgba8 = new(0, 1, 2, 4);
    public static readonly ColourLayout Bgra8 = new(2, 1, 0, 4);
    public static readonly ColourLayout Mono8 = new(0, 0, 0, 1);

    public static bool TryFromEncoding(string encoding, out ColourLayout layout)
    {
        layout = encoding switch
        {
            "rgb8" => Rgb8, "bgr8" => Bgr8, "rgba8" => Rgba8, "bgra8" => Bgra8, "mono8" => Mono8, _ => default,
        };
        return layout.BytesPerPixel != 0;
    }

    public static ColourLayout FromEncoding(string encoding) => TryFromEncoding(encoding, out var layout)
        ? layout
        : throw new NotSupportedException(
            $"point cloud: colour encoding '{encoding}' is not one of rgb8, bgr8, rgba8, bgra8, mono8; convert it first");
}

/// <summary>Shape of an organized cloud's data: <see cref="ByteCount"/> = <see cref="RowStep"/>·<see cref="Height"/>.</summary>
public readonly record struct PointCloudLayout(int Width, int Height, int PointStep, int RowStep)
{
    public int ByteCount => checked(RowStep * Height);
}

/// <summary>What one PointCloudBuilder.Build call wrote.</summary>
public readonly record struct PointCloudResult(PointCloudLayout Layout, int ValidPoints)
{
    /// <summary>PointCloud2.is_dense: true only when no point is NaN.</summary>
    public bool IsDense => ValidPoints == Layout.Width * Layout.Height;
}

/// <summary>
/// Depth image (32FC1 metres) → organized PointCloud2 data in the layout depth_image_proc publishes, written into a
/// caller-supplied span (the outgoing message's data field), so nothing is allocated per frame. Projection as in
/// depth_image_proc's convertDepth: X = (u − cx)·Z/fx, Y = (v − cy)·Z/fy, Z = depth, optical frame (REP 103). The ray
/// table is rebuilt only when the camera model changes. Not thread-safe: one builder per publisher.
/// </summary>
public sealed class PointCloudBuilder
{
    // common_interfaces point_cloud2_iterator.hpp setPointCloud2FieldsByString: "xyz" adds x, y, z FLOAT32 (count 1)
    // at 0, 4, 8 and pads one float (point_step 16); "rgb" adds a FLOAT32 at the next offset and pads three floats
    // (point_step 32). depth_image_proc point_cloud_xyz.cpp / point_cloud_xyzrgb.cpp call it with ("xyz") / ("xyz","rgb").
    private static readonly PointField[] s_xyzFields =
    [
        new("x", 0, PointField.Float32, 1), new("y", 4, PointField.Float32, 1), new("z", 8, PointField.Float32, 1),
    ];
    private static readonly PointField[] s_xyzRgbFields = [.. s_xyzFields, new("rgb", 16, PointField.Float32, 1)];

    public const int XyzPointStep = 16;
    public const int XyzRgbPointStep = 32;

    private RayTable? _rays;

    public PointCloudOptions Options { get; }

    public PointCloudBuilder(PointCloudOptions? options = null)
    {
        Options = options ?? new PointCloudOptions();
        Options.Validate();
    }

    /// <summary>The PointCloud2 fields for these options. Shared instances: put them in messages, do not modify them.</summary>
    public PointField[] Fields => Options.Rgb ? s_xyzRgbFields : s_xyzFields;

    public int PointStep => Options.Rgb ? XyzRgbPointStep : XyzPointStep;

    /// <summary>The current ray table (null before the first <see cref="SetCamera"/>).</summary>
    public RayTable? Rays => _rays;

    /// <summary>Uses <paramref name="camera"/> from now on; the ray table is rebuilt only if it differs from the current one.</summary>
    public void SetCamera(CameraModel camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        if (_rays is null || !_rays.Matches(camera, Options.Stride)) _rays = new RayTable(camera, Options.Stride);
    }

    public PointCloudLayout Layout => _rays is { } r
        ? new PointCloudLayout(r.Columns, r.Rows, PointStep, checked(r.Columns * PointStep))
        : throw new InvalidOperationException("point cloud: no camera model set (SetCamera before building)");

    /// <summary>The PointCloud2 message for data written by a build (header copied from the depth image, REP 105).</summary>
    public PointCloud2 ToMessage(Header header, PointCloudResult result, ReadOnlyMemory<byte> data) => new(
        header, (uint)result.Layout.Height, (uint)result.Layout.Width, Fields, false, (uint)result.Layout.PointStep,
        (uint)result.Layout.RowStep, data[..result.Layout.ByteCount], result.IsDense);

    /// <summary>
    /// Writes an xyz cloud from a <paramref name="width"/>×<paramref name="height"/> depth image whose rows are
    /// <paramref name="depthRowStride"/> floats apart (Image.step / 4). The size must be the camera model's: a
    /// depth/CameraInfo resolution mismatch is an error here, never a silently wrong cloud.
    /// </summary>
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, Span<byte> destination)
    {
        if (Options.Rgb) throw new InvalidOperationException("point cloud: options ask for rgb; pass the colour image");
        return BuildCore(depth, width, height, depthRowStride, default, 0, default, destination);
    }

    /// <summary>Writes an xyzrgb cloud from an rgb8 image of the depth image's size (<paramref name="rgbRowStride"/> in bytes).</summary>
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, ReadOnlySpan<byte> rgb8,
        int rgbRowStride, Span<byte> destination) =>
        Build(depth, width, height, depthRowStride, rgb8, rgbRowStride, ColourLayout.Rgb8, destination);

    /// <summary>Writes an xyzrgb cloud from a colour image laid out as <paramref name="colourLayout"/> (<see cref="ColourLayout.FromEncoding"/>).</summary>
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, ReadOnlySpan<byte> colour,
        int colourRowStride, ColourLayout colourLayout, Span<byte> destination)
    {
        if (!Options.Rgb) throw new InvalidOperationException("point cloud: options have rgb off; use the xyz overload");
        if (colourLayout.BytesPerPixel is < 1 or > 4 || Math.Max(colourLayout.Red, Math.Max(colourLayout.Green, colourLayout.Blue)) >= colourLayout.BytesPerPixel
            || Math.Min(colourLayout.Red, Math.Min(colourLayout.Green, colourLayout.Blue)) < 0)
            throw new ArgumentException($"point cloud: colour layout {colourLayout} has offsets outside its pixel", nameof(colourLayout));
        return BuildCore(depth, width, height, depthRowStride, colour, colourRowStride, colourLayout, destination);
    }

    private PointCloudResult BuildCore(ReadOnlySpan<float> depth, int width, int height, int depthStride, ReadOnlySpan<byte> rgb,
        int rgbStride, ColourLayout colourLayout, Span<byte> destination)
    {
        var layout = Layout;
        var rays = _rays!;
        if (width != rays.Camera.Width || height != rays.Camera.Height)
            throw new ArgumentException(
                $"point cloud: depth image is {width}x{height} but the camera model is {rays.Camera.Width}x{rays.Camera.Height}; " +
                "publish a CameraInfo for the depth resolution (CameraModel.ScaleCameraInfo)");
        CheckImage("depth", depth.Length, width, height, depthStride, 1);
        var bpp = colourLayout.BytesPerPixel;
        if (Options.Rgb) CheckImage("colour", rgb.Length, width, height, rgbStride, bpp);
        if (destination.Length < layout.ByteCount)
            throw new ArgumentException(
                $"point cloud: destination holds {destination.Length} bytes, the {layout.Width}x{layout.Height} cloud needs {layout.ByteCount}",
                nameof(destination));

        var minDepth = Math.Max(Options.MinDepth, float.Epsilon);
        var maxDepth = float.IsPositiveInfinity(Options.MaxDepth) ? float.MaxValue : Options.MaxDepth;
        var stride = Options.Stride;
        var valid = 0;
        for (var j = 0; j < layout.Height; j++)
        {
            var depthRow = depth.Slice(j * stride * depthStride, width);
            var outRow = destination.Slice(j * layout.RowStep, layout.RowStep);
            var ry = rays.YOverZ[j];
            var vectorized = stride == 1 && Avx.IsSupported;
            if (!Options.Rgb)
            {
                valid += vectorized
                    ? XyzRowAvx(depthRow, rays.XOverZ, ry, minDepth, maxDepth, outRow)
                    : XyzRow(depthRow, rays.XOverZ, 0, ry, stride, minDepth, maxDepth, outRow);
                continue;
            }
            var colourRow = rgb.Slice(j * stride * rgbStride, width * bpp);
            valid += vectorized
                ? XyzRgbRowAvx(depthRow, rays.XOverZ, ry, minDepth, maxDepth, colourRow, colourLayout, outRow)
                : XyzRgbRow(depthRow, rays.XOverZ, 0, ry, stride, minDepth, maxDepth, colourRow, colourLayout, outRow);
        }
        return new PointCloudResult(layout, valid);
    }

    private static void CheckImage(string name, int length, int width, int height, int rowStride, int channels)
    {
        if (rowStride < width * channels)
            throw new ArgumentException($"point cloud: {name} row stride {rowStride} is smaller than width {width} × {channels}");
        if (checked((long)(height - 1) * rowStride + (long)width * channels) > length)
            throw new ArgumentException(
                $"point cloud: {name} holds {length} elements, a {width}x{height} image with row stride {rowStride} needs more");
    }

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
