using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Imaging;

/// <summary>
/// Decodes sensor_msgs/CompressedImage (jpeg, png; format strings such as "jpeg", "png", "bgr8; jpeg compressed bgr8")
/// with OpenCV and exposes the pixels as an <see cref="ImageView"/>. The size in the file's header is read and checked
/// against the pixel cap first (<see cref="CompressedImageHeader"/>), so a hostile header is refused before the decoder
/// allocates. A JPEG can be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling: OpenCV's
/// IMREAD_REDUCED_COLOR_n), which skips most of the decoding work when the network needs far fewer pixels than the
/// camera sends. The decoded Mat is kept until the next frame (OpenCvSharp's ImDecode has no destination overload, so
/// the native buffer is per frame; the managed side holds one Mat).
/// </summary>
public sealed class CompressedImageDecoder : IDisposable
{
    private Mat? _mat;

    /// <summary>The size the last image's header declared (the camera's resolution); the decoded image may be smaller.</summary>
    public (int Width, int Height) DeclaredSize { get; private set; }

    /// <summary>The decoded image; valid until the next call or <see cref="Dispose"/>.</summary>
    public ImageView Decode(CompressedImage message) => Decode(message.Format, message.Data.Span);

    /// <summary>
    /// Decodes <paramref name="data"/>. With <paramref name="atLeast"/> (given the declared size, the pixels needed on
    /// each side), a JPEG is decoded at the smallest of 1/8, 1/4, 1/2 or full size that still has that many (libjpeg
    /// rounds reduced sides up).
    /// </summary>
    public unsafe ImageView Decode(string format, ReadOnlySpan<byte> data, Func<int, int, (int Width, int Height)>? atLeast = null,
        long maxPixels = ImageGeometry.MaxPixels)
    {
        var codec = Codec(format);
        if (data.IsEmpty) throw new ImageFormatException("data", $"is empty ({format})");
        _mat?.Dispose();
        _mat = null;
        var (width, height) = CompressedImageHeader.ReadSize(codec, data);
        ImageGeometry.Check(codec, width, height, width, 1, long.MaxValue, maxPixels); // the cap, before decoding
        DeclaredSize = (width, height);
        var factor = 1;
        if (codec == "jpeg" && atLeast is not null)
        {
            var need = atLeast(width, height);
            factor = ReductionFactor(width, height, need.Width, need.Height);
        }
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
        if (mat.Cols != (width + factor - 1) / factor || mat.Rows != (height + factor - 1) / factor)
            throw new ImageFormatException("data", $"the {codec} header says {width}x{height} but it decoded to {mat.Cols}x{mat.Rows} at 1/{factor}");
        var type = mat.Type();
        var encoding = type == MatType.CV_8UC3 ? "bgr8" : type == MatType.CV_8UC4 ? "bgra8" : type == MatType.CV_8UC1 ? "mono8"
            : type == MatType.CV_16UC1 ? "mono16"
            : throw new ImageFormatException("data", $"decoded {codec} has pixel type {type}, which is not a camera image");
        var step = (long)mat.Step();
        var span = new ReadOnlySpan<byte>((void*)mat.Data, checked((int)(step * mat.Rows)));
        return ImageView.Create(encoding, mat.Cols, mat.Rows, step, !BitConverter.IsLittleEndian, span);
    }

    /// <summary>The largest of 8, 4, 2 (else 1) that keeps both reduced sides, ceil(side / factor), at least the needed ones.</summary>
    public static int ReductionFactor(int width, int height, int neededWidth, int neededHeight)
    {
        foreach (var f in (ReadOnlySpan<int>)[8, 4, 2])
            if ((width + f - 1) / f >= neededWidth && (height + f - 1) / f >= neededHeight) return f;
        return 1;
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
