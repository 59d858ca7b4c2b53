using DepthNode.Camera;
using DepthNode.Imaging;
using DepthNode.Messages;

namespace DepthNode.PointClouds;

/// <summary>
/// Depth image (32FC1 metres) → organized PointCloud2 data in the layout depth_image_proc publishes, written into a
/// caller-supplied span (the outgoing message's data field), so nothing is allocated per frame. Projection as in
/// depth_image_proc's convertDepth: X = (u − cx)·Z/fx, Y = (v − cy)·Z/fy, Z = depth, optical frame (REP 103). The ray
/// table is rebuilt only when the camera model changes. Not thread-safe: one builder per publisher.
/// </summary>
public sealed partial class PointCloudBuilder
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
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, Span<byte> destination) =>
        Build(new ReadOnlyImageSpan<float>("depth", depth, width, height, depthRowStride), destination);

    /// <summary>Writes an xyz cloud from a checked depth image of the camera model's size.</summary>
    public PointCloudResult Build(ReadOnlyImageSpan<float> depth, Span<byte> destination)
    {
        if (Options.Rgb) throw new InvalidOperationException("point cloud: options ask for rgb; pass the color image");
        return BuildCore(depth, default, default, destination);
    }

    /// <summary>Writes an xyzrgb cloud from an rgb8 image of the depth image's size (<paramref name="rgbRowStride"/> in bytes).</summary>
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, ReadOnlySpan<byte> rgb8,
        int rgbRowStride, Span<byte> destination) =>
        Build(depth, width, height, depthRowStride, rgb8, rgbRowStride, ColorLayout.Rgb8, destination);

    /// <summary>Writes an xyzrgb cloud from a color image laid out as <paramref name="colorLayout"/> (<see cref="ColorLayout.FromEncoding"/>).</summary>
    public PointCloudResult Build(ReadOnlySpan<float> depth, int width, int height, int depthRowStride, ReadOnlySpan<byte> color,
        int colorRowStride, ColorLayout colorLayout, Span<byte> destination)
    {
        CheckLayout(colorLayout);
        return Build(new ReadOnlyImageSpan<float>("depth", depth, width, height, depthRowStride),
            new ReadOnlyImageSpan<byte>("color", color, width, height, colorRowStride, colorLayout.BytesPerPixel), colorLayout, destination);
    }

    /// <summary>Writes an xyzrgb cloud from checked depth and color images of the camera model's size.</summary>
    public PointCloudResult Build(ReadOnlyImageSpan<float> depth, ReadOnlyImageSpan<byte> color, ColorLayout colorLayout, Span<byte> destination)
    {
        if (!Options.Rgb) throw new InvalidOperationException("point cloud: options have rgb off; use the xyz overload");
        CheckLayout(colorLayout);
        if (color.Geometry.Channels != colorLayout.BytesPerPixel || color.Width != depth.Width || color.Height != depth.Height)
            throw new ImageFormatException(DataErrorKind.Invalid, "color", "width",
                $"is {color.Width}x{color.Height}x{color.Geometry.Channels}, the depth {depth.Width}x{depth.Height} with {colorLayout.BytesPerPixel}-byte pixels");
        return BuildCore(depth, color, colorLayout, destination);
    }

    private static void CheckLayout(ColorLayout colorLayout)
    {
        if (colorLayout.BytesPerPixel is < 1 or > 4 || Math.Max(colorLayout.Red, Math.Max(colorLayout.Green, colorLayout.Blue)) >= colorLayout.BytesPerPixel
            || Math.Min(colorLayout.Red, Math.Min(colorLayout.Green, colorLayout.Blue)) < 0)
            throw new ArgumentException($"point cloud: color layout {colorLayout} has offsets outside its pixel", nameof(colorLayout));
    }

    private PointCloudResult BuildCore(ReadOnlyImageSpan<float> depth, ReadOnlyImageSpan<byte> color, ColorLayout colorLayout, Span<byte> destination)
    {
        var layout = Layout;
        var rays = _rays!;
        if (depth.Width != rays.Camera.Width || depth.Height != rays.Camera.Height)
            throw new ImageFormatException(DataErrorKind.Invalid, "depth", "width",
                $"depth image is {depth.Width}x{depth.Height} but the camera model is {rays.Camera.Width}x{rays.Camera.Height}; " +
                "publish a CameraInfo for the depth resolution (CameraModel.ScaleCameraInfo)");
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
            var depthRow = depth.Row(j * stride);
            var outRow = destination.Slice(j * layout.RowStep, layout.RowStep);
            var ry = rays.YOverZ[j];
            valid += Options.Rgb
                ? stride == 1
                    ? XyzRgbRowVector(depthRow, rays.XOverZ, rays.ColumnRays, ry, minDepth, maxDepth, color.Row(j * stride), colorLayout, outRow)
                    : XyzRgbRow(depthRow, rays.XOverZ, 0, ry, stride, minDepth, maxDepth, color.Row(j * stride), colorLayout, outRow)
                : stride == 1
                    ? XyzRowVector(depthRow, rays.XOverZ, rays.ColumnRays, ry, minDepth, maxDepth, outRow)
                    : XyzRow(depthRow, rays.XOverZ, 0, ry, stride, minDepth, maxDepth, outRow);
        }
        return new PointCloudResult(layout, valid);
    }
}
