using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Imaging;

/// <summary>
/// Decodes sensor_msgs/CompressedImage (jpeg, png; format strings such as "jpeg", "png", "bgr8; jpeg compressed bgr8")
/// with OpenCV and exposes the pixels as an <see cref="ImageView"/>. The decoded Mat is kept until the next frame
/// (OpenCvSharp's ImDecode has no destination overload, so the native buffer is per frame; the managed side holds one Mat).
/// </summary>
public sealed class CompressedImageDecoder : IDisposable
{
    private Mat? _mat;

    /// <summary>The decoded image; valid until the next call or <see cref="Dispose"/>.</summary>
    public ImageView Decode(CompressedImage message) => Decode(message.Format, message.Data.Span);

    public unsafe ImageView Decode(string format, ReadOnlySpan<byte> data)
    {
        var codec = Codec(format);
        if (data.IsEmpty) throw new ImageFormatException("data", $"is empty ({format})");
        _mat?.Dispose();
        _mat = null;
        var mat = Cv2.ImDecode(data, ImreadModes.Unchanged);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new ImageFormatException("data", $"{data.Length} bytes are not a decodable {codec} image (format '{format}')");
        }
        _mat = mat;
        var type = mat.Type();
        var encoding = type == MatType.CV_8UC3 ? "bgr8" : type == MatType.CV_8UC4 ? "bgra8" : type == MatType.CV_8UC1 ? "mono8"
            : type == MatType.CV_16UC1 ? "mono16"
            : throw new ImageFormatException("data", $"decoded {codec} has pixel type {type}, which is not a camera image");
        var step = (long)mat.Step();
        var span = new ReadOnlySpan<byte>((void*)mat.Data, checked((int)(step * mat.Rows)));
        return ImageView.Create(encoding, mat.Cols, mat.Rows, step, !BitConverter.IsLittleEndian, span);
    }

    /// <summary>"jpeg" or "png" from a CompressedImage format string; anything else (e.g. compressedDepth) is refused.</summary>
    public static string Codec(string format)
    {
        var f = format.ToLowerInvariant();
        if (f.Contains("compresseddepth"))
            throw new ImageFormatException("format", $"'{format}' is a compressedDepth image (12-byte header + 16-bit PNG), not a camera image");
        if (f.Contains("jpeg") || f.Contains("jpg")) return "jpeg";
        if (f.Contains("png")) return "png";
        throw new ImageFormatException("format", $"'{format}' is not jpeg or png");
    }

    public void Dispose()
    {
        _mat?.Dispose();
        _mat = null;
    }
}
