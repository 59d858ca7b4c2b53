using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>The sparse metric depth input of <c>sparse_depth</c> (projected LiDAR): 32FC1 metres or 16UC1 millimetres.</summary>
public static class SparseDepth
{
    /// <summary>Decodes into <paramref name="metres"/> (grown when needed; NaN = no measurement) and returns the pixel count.
    /// An unusable message throws <see cref="ImageFormatException"/> naming the field.</summary>
    public static int Decode(ImageMessageView image, ref float[] metres)
    {
        if (image.EncodingUtf8.SequenceEqual("16UC1"u8))
        {
            var mm = DepthEncoding.GetPixels<ushort>(image, "sparse depth");
            var n = Grow(ref metres, mm.Geometry);
            DepthEncoding.MillimetresToMetres(mm, new ImageSpan<float>("sparse depth metres", metres, mm.Width, mm.Height, mm.Width));
            return n;
        }
        if (!image.EncodingUtf8.SequenceEqual("32FC1"u8))
            throw new ImageFormatException(DataErrorKind.Unsupported, "sparse depth", "encoding",
                $"'{System.Text.Encoding.UTF8.GetString(image.EncodingUtf8)}' is not 32FC1 or 16UC1");
        var m = DepthEncoding.GetPixels<float>(image, "sparse depth");
        var count = Grow(ref metres, m.Geometry);
        for (var y = 0; y < m.Height; y++) m.Row(y).CopyTo(metres.AsSpan(y * m.Width, m.Width));
        return count;
    }

    private static int Grow(ref float[] metres, ImageGeometry geometry)
    {
        var n = geometry.Width * geometry.Height;
        if (metres.Length < n) metres = new float[n];
        return n;
    }
}
