namespace DepthNode.Imaging;

/// <summary>
/// A checked, read-only strided image over a span: what every pixel kernel takes. Built only through
/// <see cref="ImageGeometry.Check"/>, so rows can be sliced without further checks.
/// </summary>
public readonly ref struct ReadOnlyImageSpan<T> where T : unmanaged
{
    public ReadOnlySpan<T> Data { get; }
    public ImageGeometry Geometry { get; }

    public ReadOnlyImageSpan(string image, ReadOnlySpan<T> data, int width, int height, int rowStride, int channels = 1)
    {
        Geometry = ImageGeometry.Check(image, width, height, rowStride, channels, data.Length);
        Data = data;
    }

    public ReadOnlyImageSpan(ReadOnlySpan<T> data, ImageGeometry geometry, string image = "image")
    {
        if (geometry.Width == 0 || geometry.RequiredLength > data.Length)
            geometry = ImageGeometry.Check(image, geometry.Width, geometry.Height, geometry.RowStride, geometry.Channels, data.Length);
        Data = data;
        Geometry = geometry;
    }

    public int Width => Geometry.Width;
    public int Height => Geometry.Height;
    public int RowStride => Geometry.RowStride;

    /// <summary>The pixels of row <paramref name="y"/> (without the row's padding).</summary>
    public ReadOnlySpan<T> Row(int y) => Data.Slice(y * Geometry.RowStride, Geometry.RowLength);
}
