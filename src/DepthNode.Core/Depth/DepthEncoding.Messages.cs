using System.Runtime.InteropServices;
using DepthNode.Imaging;
using DepthNode.Messages;

namespace DepthNode.Depth;

public static partial class DepthEncoding
{
    /// <summary>The pixels of a 32FC1 Image as a checked float image (rows Image.step / 4 floats apart); no copy.</summary>
    public static ReadOnlyImageSpan<float> GetMetres(Image image) =>
        Checked<float>(image.Encoding, image.IsBigEndian != 0, image.Width, image.Height, image.Step, image.Data.Span, Metres32F);

    /// <summary>The pixels of a 16UC1 Image as a checked millimetre image (rows Image.step / 2 values apart); no copy.</summary>
    public static ReadOnlyImageSpan<ushort> GetMillimetres(Image image) =>
        Checked<ushort>(image.Encoding, image.IsBigEndian != 0, image.Width, image.Height, image.Step, image.Data.Span, Millimetres16U);

    /// <summary>The same checks on a message read in place (the node's sparse depth input).</summary>
    public static ReadOnlyImageSpan<T> GetPixels<T>(ImageMessageView image, string name) where T : unmanaged
    {
        var expected = typeof(T) == typeof(float) ? Metres32F : typeof(T) == typeof(ushort) ? Millimetres16U
            : throw new ArgumentException($"depth pixels are float or ushort, not {typeof(T).Name}");
        // The matching name is passed as the constant: decoding the message's bytes to a string would allocate per frame.
        var encoding = System.Text.Ascii.Equals(image.EncodingUtf8, expected) ? expected : System.Text.Encoding.UTF8.GetString(image.EncodingUtf8);
        return Checked<T>(encoding, image.IsBigEndian != 0, image.Width, image.Height,
            image.Step, image.Data, expected, name);
    }

    // The checks depth_image_proc lacked (its 2026 heap-overflow fixes): encoding, byte order, then the one geometry
    // rule of ImageGeometry in bytes, and a step that is a whole number of elements.
    private static ReadOnlyImageSpan<T> Checked<T>(string encoding, bool bigEndian, long width, long height, long step,
        ReadOnlySpan<byte> data, string expected, string name = "depth image") where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (encoding != expected)
            throw new ImageFormatException(DataErrorKind.Unsupported, name, "encoding", $"is '{encoding}', expected '{expected}'");
        if (bigEndian)
            throw new ImageFormatException(DataErrorKind.Unsupported, name, "is_bigendian", "big-endian depth is not supported");
        var bytes = ImageGeometry.Check(name, width, height, step, size, data.Length, strideName: "step");
        if (step % size != 0)
            throw new ImageFormatException(DataErrorKind.Invalid, name, "step", $"{step} is not a whole number of {size}-byte pixels");
        var elements = MemoryMarshal.Cast<byte, T>(data[..checked((int)bytes.RequiredLength)]);
        return new ReadOnlyImageSpan<T>(name, elements, bytes.Width, bytes.Height, bytes.RowStride / size);
    }
}
