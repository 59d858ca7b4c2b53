using DepthNode.Messages;

namespace DepthNode.Imaging;

/// <summary>
/// A validated view of a sensor_msgs/Image: a known encoding plus its pixels as a <see cref="ReadOnlyImageSpan{T}"/> of
/// bytes, checked by the one geometry rule (<see cref="ImageGeometry.Check"/>: positive size under the cap,
/// step ≥ width·bytes-per-pixel, (height − 1)·step + width·bytes-per-pixel ≤ data length), so readers may index rows
/// without further checks. Build it with <see cref="Create(string, long, long, long, bool, ReadOnlySpan{byte}, long)"/>,
/// <see cref="From(Image, long)"/> or <see cref="From(ImageMessageView, long)"/>.
/// </summary>
public readonly ref struct ImageView
{
    /// <summary>Images above this many pixels are refused (a hostile header must give an error, not an OOM).</summary>
    public const long DefaultMaxPixels = ImageGeometry.MaxPixels;
    public const int MaxSide = ImageGeometry.MaxSide;

    public PixelEncoding Encoding { get; }
    public bool IsBigEndian { get; }
    /// <summary>The pixel bytes, rows <see cref="Step"/> bytes apart.</summary>
    public ReadOnlyImageSpan<byte> Pixels { get; }

    public int Width => Pixels.Width;
    public int Height => Pixels.Height;
    public int Step => Pixels.RowStride;
    public ReadOnlySpan<byte> Data => Pixels.Data;

    private ImageView(PixelEncoding encoding, bool bigEndian, ReadOnlyImageSpan<byte> pixels)
    {
        Encoding = encoding; IsBigEndian = bigEndian; Pixels = pixels;
    }

    /// <summary>The width·bytes-per-pixel bytes of row <paramref name="y"/> (without padding).</summary>
    public ReadOnlySpan<byte> Row(int y) => Pixels.Row(y);

    public static ImageView From(Image image, long maxPixels = DefaultMaxPixels) =>
        Create(image.Encoding, image.Width, image.Height, image.Step, image.IsBigEndian != 0, image.Data.Span, maxPixels);

    /// <summary>From a message read in place (the node's per-frame path; no string per frame).</summary>
    public static ImageView From(ImageMessageView message, long maxPixels = DefaultMaxPixels) =>
        Create(message.EncodingUtf8, message.Width, message.Height, message.Step, message.IsBigEndian != 0, message.Data, maxPixels);

    public static ImageView Create(string encoding, long width, long height, long step, bool bigEndian, ReadOnlySpan<byte> data, long maxPixels = DefaultMaxPixels) =>
        PixelEncodings.TryParse(encoding, out var e)
            ? Create(e, encoding, width, height, step, bigEndian, data, maxPixels)
            : throw Unsupported(encoding);

    /// <summary>From the UTF-8 encoding field of a message read in place (the node's per-frame path).</summary>
    public static ImageView Create(ReadOnlySpan<byte> encodingUtf8, long width, long height, long step, bool bigEndian, ReadOnlySpan<byte> data, long maxPixels = DefaultMaxPixels) =>
        PixelEncodings.TryParse(encodingUtf8, out var e)
            ? Create(e, PixelEncodings.Name(e), width, height, step, bigEndian, data, maxPixels)
            : throw Unsupported(System.Text.Encoding.UTF8.GetString(encodingUtf8));

    private static ImageFormatException Unsupported(string encoding) =>
        new(DataErrorKind.Unsupported, "image", "encoding", $"'{encoding}' is not supported (supported: {PixelEncodings.Supported})");

    private static ImageView Create(PixelEncoding e, string encoding, long width, long height, long step, bool bigEndian, ReadOnlySpan<byte> data, long maxPixels)
    {
        var geometry = ImageGeometry.Check("image", width, height, step, PixelEncodings.BytesPerPixel(e), data.Length, maxPixels, "step");
        if ((e is PixelEncoding.Uyvy or PixelEncoding.Yuyv) && (width & 1) != 0)
            throw new ImageFormatException("width", $"{width} is odd; {encoding} packs pixels in pairs");
        if (PixelEncodings.IsBayer(e) && (width < 2 || height < 2))
            throw new ImageFormatException("width", $"{width}x{height} is smaller than one 2x2 Bayer cell");
        return new ImageView(e, bigEndian, new ReadOnlyImageSpan<byte>(data, geometry));
    }
}
