using DepthNode.Messages;

namespace DepthNode.Imaging;

/// <summary>
/// A validated view of a sensor_msgs/Image: every field has been checked against the data before any pixel loop
/// (known encoding, positive size under a cap, step ≥ width·bytes-per-pixel, step·height within the data), so readers
/// may index rows without further checks. Build it with <see cref="Create"/> or <see cref="From"/>.
/// </summary>
public readonly ref struct ImageView
{
    /// <summary>Images above this many pixels are refused (a hostile header must give an error, not an OOM).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;
    public const int MaxSide = 32768;

    public PixelEncoding Encoding { get; }
    public int Width { get; }
    public int Height { get; }
    public int Step { get; }
    public bool IsBigEndian { get; }
    public ReadOnlySpan<byte> Data { get; }

    private ImageView(PixelEncoding encoding, int width, int height, int step, bool bigEndian, ReadOnlySpan<byte> data)
    {
        Encoding = encoding; Width = width; Height = height; Step = step; IsBigEndian = bigEndian; Data = data;
    }

    public ReadOnlySpan<byte> Row(int y) => Data.Slice(y * Step, Step);

    public static ImageView From(Image image, long maxPixels = DefaultMaxPixels) =>
        Create(image.Encoding, image.Width, image.Height, image.Step, image.IsBigEndian != 0, image.Data.Span, maxPixels);

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
        new("encoding", $"'{encoding}' is not supported (supported: {PixelEncodings.Supported})");

    private static ImageView Create(PixelEncoding e, string encoding, long width, long height, long step, bool bigEndian, ReadOnlySpan<byte> data, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw new ImageFormatException(width <= 0 ? "width" : "height", $"size {width}x{height} is empty");
        if (width > MaxSide || height > MaxSide || width * height > maxPixels)
            throw new ImageFormatException(width > height ? "width" : "height", $"size {width}x{height} exceeds the limit ({MaxSide} per side, {maxPixels} pixels)");
        var bpp = PixelEncodings.BytesPerPixel(e);
        var minStep = width * bpp;
        if (step < minStep)
            throw new ImageFormatException("step", $"{step} is smaller than width {width} x {bpp} bytes per pixel ({encoding}) = {minStep}");
        if (step > int.MaxValue) throw new ImageFormatException("step", $"{step} is too large");
        var needed = checked(step * height);
        if (data.Length < needed)
            throw new ImageFormatException("data", $"has {data.Length} bytes, {width}x{height} {encoding} with step {step} needs {needed} (truncated?)");
        if ((e is PixelEncoding.Uyvy or PixelEncoding.Yuyv) && (width & 1) != 0)
            throw new ImageFormatException("width", $"{width} is odd; {encoding} packs pixels in pairs");
        if (PixelEncodings.IsBayer(e) && (width < 2 || height < 2))
            throw new ImageFormatException("width", $"{width}x{height} is smaller than one 2x2 Bayer cell");
        return new ImageView(e, (int)width, (int)height, (int)step, bigEndian, data);
    }
}
