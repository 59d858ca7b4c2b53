using System.Runtime.InteropServices;
using DepthNode.Depth;
using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>The sparse metric depth input of <c>sparse_depth</c> (projected LiDAR): 32FC1 metres or 16UC1 millimetres.</summary>
public static class SparseDepth
{
    /// <summary>Decodes into <paramref name="metres"/> (grown when needed; NaN = no measurement) and returns the pixel count.</summary>
    public static int Decode(ImageMessageView image, ref float[] metres)
    {
        var sixteen = image.EncodingUtf8.SequenceEqual("16UC1"u8);
        if (!sixteen && !image.EncodingUtf8.SequenceEqual("32FC1"u8))
            throw new InvalidDataException($"sparse depth encoding '{System.Text.Encoding.UTF8.GetString(image.EncodingUtf8)}' is not 32FC1 or 16UC1");
        if (image.IsBigEndian != 0) throw new InvalidDataException("sparse depth is big-endian; only little-endian depth is read");
        int width = checked((int)image.Width), height = checked((int)image.Height);
        var rowBytes = checked(width * (sixteen ? 2 : 4));
        if (image.Step < rowBytes || (sixteen && image.Step % 2 != 0) || checked((long)image.Step * height) > image.Data.Length)
            throw new InvalidDataException($"sparse depth {width}x{height} with step {image.Step} does not fit its {image.Data.Length} data bytes");
        var n = checked(width * height);
        if (metres.Length < n) metres = new float[n];
        if (sixteen)
            DepthEncoding.MillimetresToMetres(MemoryMarshal.Cast<byte, ushort>(image.Data), width, height, (int)image.Step / 2, metres, width);
        else
            for (var y = 0; y < height; y++)
                MemoryMarshal.Cast<byte, float>(image.Data.Slice(checked((int)(y * image.Step)), rowBytes)).CopyTo(metres.AsSpan(y * width, width));
        return n;
    }
}
