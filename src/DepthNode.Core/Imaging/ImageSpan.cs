namespace DepthNode.Imaging;

/// <summary>The writable counterpart of <see cref="ReadOnlyImageSpan{T}"/> (a kernel's destination).</summary>
public readonly ref struct ImageSpan<T> where T : unmanaged
{
    public Span<T> Data { get; }
    public ImageGeometry Geometry { get; }

    public ImageSpan(string image, Span<T> data, int width, int height, int rowStride, int channels = 1)
    {
        Geometry = ImageGeometry.Check(image, width, height, rowStride, channels, data.Length);
        Data = data;
    }

    public int Width => Geometry.Width;
    public int Height => Geometry.Height;
    public int RowStride => Geometry.RowStride;

    public Span<T> Row(int y) => Data.Slice(y * Geometry.RowStride, Geometry.RowLength);

    public static implicit operator ReadOnlyImageSpan<T>(ImageSpan<T> image) => new(image.Data, image.Geometry);
}
