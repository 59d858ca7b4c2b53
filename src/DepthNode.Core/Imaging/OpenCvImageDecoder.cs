using OpenCvSharp;

namespace DepthNode.Imaging;

/// <summary>
/// JPEG and PNG decoding with OpenCV's imdecode. A JPEG can be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT
/// scaling: IMREAD_REDUCED_COLOR_n), which skips most of the decoding work. The decoded Mat is kept until the next
/// frame (OpenCvSharp's ImDecode has no destination overload, so the native buffer is per frame; the managed side holds
/// one Mat).
/// </summary>
internal sealed class OpenCvImageDecoder : IDisposable
{
    private Mat? _mat;

    public unsafe ImageView Decode(string codec, string format, ReadOnlySpan<byte> data, int factor)
    {
        _mat?.Dispose();
        _mat = null;
        var mode = factor switch
        {
            8 => ImreadModes.ReducedColor8,
            4 => ImreadModes.ReducedColor4,
            2 => ImreadModes.ReducedColor2,
            _ => ImreadModes.Unchanged,
        };
        // Unchanged ignores EXIF orientation; the reduced modes must too, or the two would disagree on rotated files.
        var mat = Cv2.ImDecode(data, factor == 1 ? mode : mode | ImreadModes.IgnoreOrientation);
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

    public void Dispose()
    {
        _mat?.Dispose();
        _mat = null;
    }
}
