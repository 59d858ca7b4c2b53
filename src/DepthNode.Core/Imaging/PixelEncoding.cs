namespace DepthNode.Imaging;

/// <summary>The sensor_msgs/Image encodings the pre-processor reads (sensor_msgs/image_encodings.hpp names).</summary>
public enum PixelEncoding
{
    Rgb8, Bgr8, Rgba8, Bgra8, Mono8, Mono16,
    BayerRggb8, BayerBggr8, BayerGbrg8, BayerGrbg8,
    /// <summary>"yuv422" / "uyvy": U0 Y0 V0 Y1 per pixel pair.</summary>
    Uyvy,
    /// <summary>"yuv422_yuy2" / "yuyv": Y0 U0 Y1 V0 per pixel pair.</summary>
    Yuyv,
}

public static class PixelEncodings
{
    // Every name a camera driver uses for an encoding the pre-processor reads (image_encodings.hpp, with aliases).
    private static readonly (string Name, PixelEncoding Encoding)[] Names =
    [
        ("rgb8", PixelEncoding.Rgb8), ("bgr8", PixelEncoding.Bgr8), ("rgba8", PixelEncoding.Rgba8), ("bgra8", PixelEncoding.Bgra8),
        ("mono8", PixelEncoding.Mono8), ("8UC1", PixelEncoding.Mono8), ("mono16", PixelEncoding.Mono16), ("16UC1", PixelEncoding.Mono16),
        ("bayer_rggb8", PixelEncoding.BayerRggb8), ("bayer_bggr8", PixelEncoding.BayerBggr8),
        ("bayer_gbrg8", PixelEncoding.BayerGbrg8), ("bayer_grbg8", PixelEncoding.BayerGrbg8),
        ("yuv422", PixelEncoding.Uyvy), ("uyvy", PixelEncoding.Uyvy), ("yuv422_yuy2", PixelEncoding.Yuyv), ("yuyv", PixelEncoding.Yuyv),
    ];

    public static bool TryParse(string? text, out PixelEncoding encoding)
    {
        foreach (var (name, e) in Names)
            if (name == text) { encoding = e; return true; }
        encoding = (PixelEncoding)(-1);
        return false;
    }

    /// <summary>The same, on the UTF-8 bytes of a message's encoding field (no string per frame).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out PixelEncoding encoding)
    {
        foreach (var (name, e) in Names)
            if (System.Text.Ascii.Equals(utf8, name)) { encoding = e; return true; }
        encoding = (PixelEncoding)(-1);
        return false;
    }

    public static string Name(PixelEncoding e) => e switch
    {
        PixelEncoding.Rgb8 => "rgb8", PixelEncoding.Bgr8 => "bgr8", PixelEncoding.Rgba8 => "rgba8", PixelEncoding.Bgra8 => "bgra8",
        PixelEncoding.Mono8 => "mono8", PixelEncoding.Mono16 => "mono16",
        PixelEncoding.BayerRggb8 => "bayer_rggb8", PixelEncoding.BayerBggr8 => "bayer_bggr8",
        PixelEncoding.BayerGbrg8 => "bayer_gbrg8", PixelEncoding.BayerGrbg8 => "bayer_grbg8",
        PixelEncoding.Uyvy => "yuv422", PixelEncoding.Yuyv => "yuv422_yuy2",
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };

    public static int BytesPerPixel(PixelEncoding e) => e switch
    {
        PixelEncoding.Rgb8 or PixelEncoding.Bgr8 => 3,
        PixelEncoding.Rgba8 or PixelEncoding.Bgra8 => 4,
        PixelEncoding.Mono16 or PixelEncoding.Uyvy or PixelEncoding.Yuyv => 2,
        _ => 1,
    };

    public static bool IsBayer(PixelEncoding e) => e is >= PixelEncoding.BayerRggb8 and <= PixelEncoding.BayerGrbg8;

    public const string Supported = "rgb8, bgr8, rgba8, bgra8, mono8, mono16, bayer_rggb8, bayer_bggr8, bayer_gbrg8, bayer_grbg8, yuv422 (uyvy), yuv422_yuy2 (yuyv)";
}
