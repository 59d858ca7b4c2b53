namespace DepthNode.Imaging;

/// <summary>
/// Which <see cref="CompressedImageBackend"/> decodes compressed images, and why, from the node's
/// <c>compressed_decoder</c> setting: <c>auto</c> takes OpenCV when its native library loads (probed once, see
/// <see cref="OpenCvNative"/>) and the managed decoder otherwise; <c>opencv</c> and <c>managed</c> force one.
/// </summary>
public readonly record struct CompressedDecoderChoice(CompressedImageBackend Backend, string Reason)
{
    /// <summary>The setting's allowed values, in the order the parameter documents them.</summary>
    public static readonly string[] Settings = ["auto", "opencv", "managed"];

    public static CompressedDecoderChoice Auto => Resolve("auto");

    /// <exception cref="InvalidDataException"><c>opencv</c> is forced but its native library does not load.</exception>
    public static CompressedDecoderChoice Resolve(string setting) => setting switch
    {
        "auto" when OpenCvNative.IsLoaded => new(CompressedImageBackend.OpenCv, $"{OpenCvNative.Detail}, its native library loaded"),
        "auto" => new(CompressedImageBackend.Managed, $"OpenCV's native library did not load: {OpenCvNative.Detail}"),
        "opencv" when OpenCvNative.IsLoaded => new(CompressedImageBackend.OpenCv, $"{OpenCvNative.Detail}, compressed_decoder = opencv"),
        "opencv" => throw new InvalidDataException(
            $"compressed_decoder = opencv, but OpenCV's native library did not load ({OpenCvNative.Detail}); use auto or managed"),
        "managed" => new(CompressedImageBackend.Managed, "compressed_decoder = managed"),
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "auto, opencv or managed"),
    };

    /// <summary>The one line the node logs about it.</summary>
    public string LogLine => Backend == CompressedImageBackend.OpenCv
        ? $"compressed images are decoded by OpenCV ({Reason})"
        : $"compressed images are decoded by the managed decoder, StbImageSharp, at full size ({Reason})";
}
