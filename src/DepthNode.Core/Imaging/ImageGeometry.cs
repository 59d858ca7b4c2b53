namespace DepthNode.Imaging;

/// <summary>
/// Where the pixels of a strided image lie in a buffer: <see cref="Height"/> rows of <see cref="Width"/>·
/// <see cref="Channels"/> elements, rows <see cref="RowStride"/> elements apart. <see cref="Check"/> is the one rule every
/// image in the node passes before a pixel loop (camera images, depth, colourised output, point cloud colour, 16UC1):
/// a positive size under the pixel cap, a stride at least one row, and
/// <c>checked((long)(height − 1)·stride + width·channels) ≤ length</c>: the last row need not be padded, as
/// ImageSharp's Buffer2D and sensor_msgs/Image consumers such as cv_bridge accept.
/// </summary>
public readonly record struct ImageGeometry
{
    /// <summary>Images above this many pixels are refused: a hostile header must give an error, not an OOM.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>Longest side accepted (OpenCV's and libjpeg's own limit is 65500).</summary>
    public const int MaxSide = 32768;

    public int Width { get; }
    public int Height { get; }
    /// <summary>Elements from the start of one row to the next (bytes for byte images, floats for float images).</summary>
    public int RowStride { get; }
    /// <summary>Elements per pixel (3 for rgb8 bytes, 1 for a float depth image, 2 for mono16 bytes).</summary>
    public int Channels { get; }

    private ImageGeometry(int width, int height, int rowStride, int channels)
    {
        Width = width; Height = height; RowStride = rowStride; Channels = channels;
    }

    /// <summary>Elements of one row that hold pixels (without padding).</summary>
    public int RowLength => Width * Channels;

    /// <summary>Elements a buffer must hold: (height − 1)·stride + one row.</summary>
    public long RequiredLength => (long)(Height - 1) * RowStride + RowLength;

    /// <summary>
    /// The geometry, after checking it against a buffer of <paramref name="length"/> elements; throws
    /// <see cref="ImageFormatException"/> naming <paramref name="image"/> and the field otherwise. Inputs are long so that
    /// message fields (uint32) are checked before any narrowing.
    /// </summary>
    public static ImageGeometry Check(string image, long width, long height, long rowStride, int channels, long length,
        long maxPixels = MaxPixels, string strideName = "row_stride")
    {
        if (width <= 0 || height <= 0)
            throw new ImageFormatException(DataErrorKind.Invalid, image, width <= 0 ? "width" : "height", $"size {width}x{height} is empty");
        if (width > MaxSide || height > MaxSide || width * height > maxPixels)
            throw new ImageFormatException(DataErrorKind.TooLarge, image, width > height ? "width" : "height",
                $"size {width}x{height} exceeds the limit ({MaxSide} per side, {maxPixels} pixels)");
        var rowLength = width * channels;
        if (rowStride < rowLength)
            throw new ImageFormatException(DataErrorKind.Invalid, image, strideName,
                $"{rowStride} is smaller than width {width} × {channels}");
        if (rowStride > int.MaxValue)
            throw new ImageFormatException(DataErrorKind.TooLarge, image, strideName, $"{rowStride} is too large");
        var needed = checked((height - 1) * rowStride + rowLength);
        if (needed > length)
            throw new ImageFormatException(DataErrorKind.Truncated, image, "data",
                $"holds {length} elements, {width}x{height} with {strideName} {rowStride} needs {needed} (truncated?)", length);
        return new ImageGeometry((int)width, (int)height, (int)rowStride, channels);
    }

    /// <summary>A densely packed image (stride = one row), checked against <paramref name="length"/>.</summary>
    public static ImageGeometry Dense(string image, int width, int height, int channels, long length) =>
        Check(image, width, height, (long)width * channels, channels, length);
}
