using System.Runtime.InteropServices;
using StbImageSharp;

namespace DepthNode.Imaging;

/// <summary>
/// JPEG and PNG decoding in C# (StbImageSharp, a port of stb_image), for platforms without OpenCV's native library.
/// Pixels come out in the file's own channel order: rgb8, rgba8 (also for grey + alpha, as OpenCV gives 4 channels
/// there too), mono8, and mono16 for 16-bit greyscale PNG (stb_image's 16-bit path, no reduction to 8 bits).
/// stb_image returns a buffer from its own allocator (Marshal.AllocHGlobal in StbImageSharp 2.30.16); it is copied
/// into <see cref="_pixels"/>, reused across frames, and freed at once. The decoder's own state (its context, Huffman
/// and component tables) is managed objects allocated per image: a few kilobytes per frame, measured in
/// StbImageDecoderTests.
/// </summary>
internal sealed unsafe class StbImageDecoder
{
    private readonly PointerReadStream _stream = new();
    private byte[] _pixels = [];

    public ImageView Decode(string codec, string format, ReadOnlySpan<byte> data)
    {
        var sixteenBit = codec == "png" && data.Length > 24 && data[24] == 16; // IHDR bit depth (PNG spec 11.2.2)
        int width, height, channels;
        void* decoded;
        fixed (byte* p = data)
        {
            _stream.Reset(p, data.Length);
            var context = new StbImage.stbi__context(_stream);
            decoded = sixteenBit
                ? StbImage.stbi__load_and_postprocess_16bit(context, &width, &height, &channels, 0)
                : StbImage.stbi__load_and_postprocess_8bit(context, &width, &height, &channels, 0);
        }
        if (decoded is null)
            throw new ImageFormatException("data", $"{data.Length} bytes are not a decodable {codec} image (format '{format}'{Reason()})");
        try
        {
            if (sixteenBit && channels != 1)
                throw new ImageFormatException("data", $"decoded {codec} is 16-bit with {channels} channels, which is not a camera image");
            var bytesPerPixel = channels == 2 ? 4 : channels * (sixteenBit ? 2 : 1);
            var length = checked(width * height * bytesPerPixel);
            if (_pixels.Length < length) _pixels = new byte[length];
            var source = new ReadOnlySpan<byte>(decoded, width * height * channels * (sixteenBit ? 2 : 1));
            if (channels == 2) ExpandGreyAlpha(source, _pixels);
            else source.CopyTo(_pixels);
            var encoding = sixteenBit ? "mono16" : channels switch { 1 => "mono8", 3 => "rgb8", _ => "rgba8" };
            return ImageView.Create(encoding, width, height, (long)width * bytesPerPixel, !BitConverter.IsLittleEndian, _pixels.AsSpan(0, length));
        }
        finally
        {
            Marshal.FreeHGlobal((IntPtr)decoded);
        }
    }

    // StbImageSharp's failure reason is sometimes a stale buffer rather than text: shown only when it reads as text.
    private static string Reason()
    {
        var reason = StbImage.stbi__g_failure_reason;
        return !string.IsNullOrEmpty(reason) && reason.All(c => c is >= ' ' and <= '~') ? $"; stb_image: {reason}" : "";
    }

    private static void ExpandGreyAlpha(ReadOnlySpan<byte> greyAlpha, Span<byte> rgba)
    {
        for (int i = 0, o = 0; i < greyAlpha.Length; i += 2, o += 4)
        {
            rgba[o] = rgba[o + 1] = rgba[o + 2] = greyAlpha[i];
            rgba[o + 3] = greyAlpha[i + 1];
        }
    }
}
