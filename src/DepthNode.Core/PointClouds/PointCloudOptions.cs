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
public readonly record struct ColorLayout(int Red, int Green, int Blue, int BytesPerPixel)
{
    public static readonly ColorLayout Rgb8 = new(0, 1, 2, 3);
    public static readonly ColorLayout Bgr8 = new(2, 1, 0, 3);
    public static readonly ColorLayout Rgba8 = new(0, 1, 2, 4);
    public static readonly ColorLayout Bgra8 = new(2, 1, 0, 4);
    public static readonly ColorLayout Mono8 = new(0, 0, 0, 1);

    public static bool TryFromEncoding(string encoding, out ColorLayout layout)
    {
        layout = encoding switch
        {
            "rgb8" => Rgb8, "bgr8" => Bgr8, "rgba8" => Rgba8, "bgra8" => Bgra8, "mono8" => Mono8, _ => default,
        };
        return layout.BytesPerPixel != 0;
    }

    public static ColorLayout FromEncoding(string encoding) => TryFromEncoding(encoding, out var layout)
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
