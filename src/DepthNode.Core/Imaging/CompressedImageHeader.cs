using System.Buffers.Binary;

namespace DepthNode.Imaging;

/// <summary>
/// The pixel size a JPEG or PNG declares in its header, read without decoding: a tiny file can claim a gigapixel image,
/// so the size is checked against the cap before the decoder allocates anything.
/// </summary>
public static class CompressedImageHeader
{
    /// <summary>Width and height from a JPEG's frame header (SOFn, ITU T.81 B.2.2) or a PNG's IHDR chunk.</summary>
    public static (int Width, int Height) ReadSize(string codec, ReadOnlySpan<byte> data) => codec switch
    {
        "jpeg" => Jpeg(data),
        "png" => Png(data),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "jpeg or png"),
    };

    // Markers are 0xFF then a code; 0xFF fill bytes may precede a code. SOI, RSTn and TEM stand alone; every other
    // segment before the first scan carries a 2-byte big-endian length that counts itself.
    private static (int Width, int Height) Jpeg(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
            throw Invalid("jpeg", "does not start with the JPEG SOI marker (FF D8)", 0);
        var at = 2;
        while (true)
        {
            if (at >= data.Length || data[at] != 0xFF) throw Truncated(data.Length, at, "expected a marker");
            while (at < data.Length && data[at] == 0xFF) at++;
            if (at >= data.Length) throw Truncated(data.Length, at, "ends inside a marker");
            var code = data[at++];
            if (code is 0x01 or (>= 0xD0 and <= 0xD7)) continue;
            if (code is 0xD9 or 0xDA) throw Invalid("jpeg", $"reaches {(code == 0xD9 ? "EOI" : "the first scan")} without a frame header", at - 2);
            if (at + 2 > data.Length) throw Truncated(data.Length, at, "ends inside a segment length");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
            if (length < 2) throw Invalid("jpeg", $"segment FF {code:X2} has length {length}", at);
            var isFrame = code is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (length < 8 || at + 7 > data.Length) throw Truncated(data.Length, at, "ends inside the frame header");
                int height = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 3)..]);
                int width = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]);
                if (height == 0) throw new ImageFormatException(DataErrorKind.Unsupported, "jpeg", "height", "0 in the frame header (set later by a DNL marker)", at + 3);
                return (width, height);
            }
            at += length;
        }
    }

    /// <summary>
    /// Throws a <see cref="DataErrorKind.Truncated"/> error unless the JPEG reaches its EOI marker (FF D9): a cut JPEG
    /// is refused the same way whichever decoder runs (libjpeg-turbo refuses it; stb_image would fill the missing rows
    /// and return an image). Header segments are skipped by their lengths (an EXIF thumbnail's own EOI is not taken
    /// for the image's); in entropy-coded data a 0xFF is followed by 00 (stuffing) or a restart code, so the first
    /// other marker after a scan is a real one. Stray bytes between segments are skipped, as libjpeg does.
    /// </summary>
    public static void RequireJpegEnd(ReadOnlySpan<byte> data)
    {
        var at = 2; // after SOI (checked by ReadSize)
        while (true)
        {
            var next = at < data.Length ? data[at..].IndexOf((byte)0xFF) : -1;
            if (next < 0) throw Truncated(data.Length, data.Length, "ends before the JPEG's EOI marker (FF D9)");
            at += next;
            while (at < data.Length && data[at] == 0xFF) at++;
            if (at >= data.Length) throw Truncated(data.Length, at, "ends inside a marker, before the JPEG's EOI marker (FF D9)");
            var code = data[at++];
            if (code == 0xD9) return;
            if (code is 0x00 or 0x01 or (>= 0xD0 and <= 0xD8)) continue; // stuffing, TEM, RSTn, SOI: no length
            if (at + 2 > data.Length) throw Truncated(data.Length, at, "ends inside a segment length, before the JPEG's EOI marker (FF D9)");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[at..]);
            if (at + length > data.Length) throw Truncated(data.Length, at, $"ends inside segment FF {code:X2}, before the JPEG's EOI marker (FF D9)");
            at += Math.Max(length, 2);
        }
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // The signature, then IHDR first: length 13, "IHDR", width and height as big-endian uint32 (PNG spec 11.2.2).
    private static (int Width, int Height) Png(ReadOnlySpan<byte> data)
    {
        if (data.Length < 24) throw Truncated(data.Length, data.Length, "is shorter than a PNG signature and IHDR");
        if (!data[..8].SequenceEqual(PngSignature)) throw Invalid("png", "does not start with the PNG signature", 0);
        if (!data.Slice(12, 4).SequenceEqual("IHDR"u8)) throw Invalid("png", "has no IHDR chunk first", 12);
        var width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        // Larger than any side the cap accepts: reported as such, not wrapped into a negative int.
        return ((int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
    }

    private static ImageFormatException Invalid(string codec, string what, long offset) =>
        new(DataErrorKind.Invalid, codec, "data", what, offset);

    private static ImageFormatException Truncated(int length, long offset, string what) =>
        new(DataErrorKind.Truncated, "compressed image", "data", $"{what} at byte {offset} of {length}", offset);
}
