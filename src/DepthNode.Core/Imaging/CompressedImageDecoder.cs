using DepthNode.Messages;

namespace DepthNode.Imaging;

/// <summary>
/// Decodes sensor_msgs/CompressedImage (jpeg, png; format strings such as "jpeg", "png", "bgr8; jpeg compressed bgr8")
/// and exposes the pixels as an <see cref="ImageView"/>, with OpenCV or the managed decoder
/// (<see cref="CompressedImageBackend"/>; by default OpenCV when its native library loads). The size in the file's
/// header is read and checked against the pixel cap first (<see cref="CompressedImageHeader"/>), so a hostile header is
/// refused before the decoder allocates. With OpenCV a JPEG can be decoded at 1/2, 1/4 or 1/8 of its size, which skips
/// most of the decoding work when the network needs far fewer pixels than the camera sends; the managed decoder always
/// decodes at full size. Channel order is the backend's (bgr8 from OpenCV, rgb8 from the managed decoder): the view's
/// encoding says which.
/// </summary>
public sealed class CompressedImageDecoder : IDisposable
{
    private readonly OpenCvImageDecoder? _openCv;
    private readonly StbImageDecoder? _managed;

    /// <summary>OpenCV when its native library loads, else the managed decoder.</summary>
    public CompressedImageDecoder() : this(CompressedDecoderChoice.Auto.Backend) { }

    public CompressedImageDecoder(CompressedImageBackend backend)
    {
        Backend = backend;
        if (backend == CompressedImageBackend.OpenCv) _openCv = new OpenCvImageDecoder();
        else _managed = new StbImageDecoder();
    }

    public CompressedImageBackend Backend { get; }

    /// <summary>The size the last image's header declared (the camera's resolution); the decoded image may be smaller.</summary>
    public (int Width, int Height) DeclaredSize { get; private set; }

    /// <summary>The decoded image; valid until the next call or <see cref="Dispose"/>.</summary>
    public ImageView Decode(CompressedImage message) => Decode(message.Format, message.Data.Span);

    /// <summary>
    /// Decodes <paramref name="data"/>. With <paramref name="atLeast"/> (given the declared size, the pixels needed on
    /// each side), OpenCV decodes a JPEG at the smallest of 1/8, 1/4, 1/2 or full size that still has that many (libjpeg
    /// rounds reduced sides up).
    /// </summary>
    public ImageView Decode(string format, ReadOnlySpan<byte> data, Func<int, int, (int Width, int Height)>? atLeast = null,
        long maxPixels = ImageGeometry.MaxPixels)
    {
        var codec = Codec(format);
        if (data.IsEmpty) throw new ImageFormatException("data", $"is empty ({format})");
        _openCv?.Dispose();
        var (width, height) = CompressedImageHeader.ReadSize(codec, data);
        ImageGeometry.Check(codec, width, height, width, 1, long.MaxValue, maxPixels); // the cap, before decoding
        DeclaredSize = (width, height);
        if (codec == "jpeg") CompressedImageHeader.RequireJpegEnd(data);
        var factor = 1;
        if (codec == "jpeg" && atLeast is not null && _openCv is not null)
        {
            var need = atLeast(width, height);
            factor = ReductionFactor(width, height, need.Width, need.Height);
        }
        var view = _openCv is not null ? _openCv.Decode(codec, format, data, factor) : _managed!.Decode(codec, format, data);
        if (view.Width != (width + factor - 1) / factor || view.Height != (height + factor - 1) / factor)
            throw new ImageFormatException("data", $"the {codec} header says {width}x{height} but it decoded to {view.Width}x{view.Height} at 1/{factor}");
        return view;
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

    public void Dispose() => _openCv?.Dispose();
}
