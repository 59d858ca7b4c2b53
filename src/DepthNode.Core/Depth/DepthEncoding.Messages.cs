using System.Runtime.InteropServices;
using DepthNode.Messages;

namespace DepthNode.Depth;

/// <summary>A depth Image whose header fields contradict its data. <see cref="Field"/> names the field.</summary>
public sealed class InvalidDepthImageException(string field, string message) : FormatException($"depth image: {message}")
{
    public string Field { get; } = field;
}

public static partial class DepthEncoding
{
    /// <summary>The pixels of a 32FC1 Image as floats, rows <paramref name="rowStride"/> floats apart; no copy.</summary>
    public static ReadOnlySpan<float> GetMetres(Image image, out int rowStride) =>
        MemoryMarshal.Cast<byte, float>(Checked(image, Metres32F, sizeof(float), out rowStride));

    /// <summary>The pixels of a 16UC1 Image as millimetres, rows <paramref name="rowStride"/> values apart; no copy.</summary>
    public static ReadOnlySpan<ushort> GetMillimetres(Image image, out int rowStride) =>
        MemoryMarshal.Cast<byte, ushort>(Checked(image, Millimetres16U, sizeof(ushort), out rowStride));

    // The checks depth_image_proc lacked (its 2026 heap-overflow fixes): encoding, byte order, empty image, step too
    // small or not whole elements, data shorter than step·(height − 1) + width·size.
    private static ReadOnlySpan<byte> Checked(Image image, string encoding, int size, out int rowStride)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Encoding != encoding)
            throw new InvalidDepthImageException("encoding", $"encoding is '{image.Encoding}', expected '{encoding}'");
        if (image.IsBigEndian != 0)
            throw new InvalidDepthImageException("is_bigendian", "big-endian depth is not supported");
        if (image.Width == 0 || image.Height == 0)
            throw new InvalidDepthImageException("width/height", $"image is {image.Width}x{image.Height}");
        if (image.Width > int.MaxValue / size || image.Step < (long)image.Width * size || image.Step % size != 0)
            throw new InvalidDepthImageException("step",
                $"step {image.Step} is not a whole number of {size}-byte pixels ≥ width {image.Width} × {size}");
        var needed = (long)image.Step * (image.Height - 1) + (long)image.Width * size;
        if (needed > image.Data.Length)
            throw new InvalidDepthImageException("data",
                $"data holds {image.Data.Length} bytes, {image.Width}x{image.Height} with step {image.Step} needs {needed}");
        rowStride = checked((int)(image.Step / size));
        return image.Data.Span[..checked((int)needed)];
    }
}
