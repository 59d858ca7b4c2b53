using System.Runtime.InteropServices;
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
        if (image.Step < rowBytes || checked((long)image.Step * height) > image.Data.Length)
            throw new InvalidDataException($"sparse depth {width}x{height} with step {image.Step} does not fit its {image.Data.Length} data bytes");
        var n = checked(width * height);
        if (metres.Length < n) metres = new float[n];
        for (var y = 0; y < height; y++)
        {
            var row = image.Data.Slice(checked((int)(y * image.Step)), rowBytes);
            var dst = metres.AsSpan(y * width, width);
            if (!sixteen) MemoryMarshal.Cast<byte, float>(row).CopyTo(dst);
            else
            {
                var mm = MemoryMarshal.Cast<byte, ushort>(row);
                for (var x = 0; x < dst.Length; x++) dst[x] = mm[x] == 0 ? float.NaN : mm[x] / 1000f;
            }
        }
        return n;
    }
}
