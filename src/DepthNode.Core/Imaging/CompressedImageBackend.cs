namespace DepthNode.Imaging;

/// <summary>The library that turns JPEG/PNG bytes into pixels (see <see cref="CompressedDecoderChoice"/>).</summary>
public enum CompressedImageBackend
{
    /// <summary>OpenCV's imdecode (libjpeg-turbo, libpng) through OpenCvSharp; needs libOpenCvSharpExtern, which NuGet
    /// ships for linux-x64 only. Can decode a JPEG at 1/2, 1/4 or 1/8 of its size.</summary>
    OpenCv,
    /// <summary>StbImageSharp, a C# port of stb_image: runs wherever .NET does (linux-arm64 included); full-size decodes
    /// only, baseline and progressive JPEG, 8- and 16-bit PNG.</summary>
    Managed,
}
