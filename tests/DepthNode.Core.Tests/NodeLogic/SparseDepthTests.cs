using DepthNode;
using DepthNode.Imaging;
using DepthNode.Cdr;
using DepthNode.Messages;
using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class SparseDepthTests
{
    private static byte[] Message(string encoding, uint width, uint height, uint step, byte[] data) =>
        RosMessage.SerializeToArray(new Image(Header.Empty, height, width, encoding, 0, step, data));

    [Fact]
    public void Decode_16UC1WithRowPadding_IsMetresWithNaNForNoReturn()
    {
        // 3x2 millimetres, rows padded to 8 bytes: [1000, 0, 2500 | pad] [65535, 1, 0 | pad]
        ushort[] mm = [1000, 0, 2500, 0xBEEF, 65535, 1, 0, 0xBEEF];
        var data = mm.SelectMany(BitConverter.GetBytes).ToArray();
        var metres = Array.Empty<float>();
        Assert.Equal(6, SparseDepth.Decode(ImageMessageView.Parse(Message("16UC1", 3, 2, 8, data)), ref metres));
        Assert.Equal([1f, float.NaN, 2.5f, 65.535f, 0.001f, float.NaN], metres.Take(6));
    }

    [Fact]
    public void Decode_32FC1_IsCopiedAsIs()
    {
        float[] m = [1.5f, float.NaN, 80f, 0.25f];
        var metres = Array.Empty<float>();
        SparseDepth.Decode(ImageMessageView.Parse(Message("32FC1", 2, 2, 8, m.SelectMany(BitConverter.GetBytes).ToArray())), ref metres);
        Assert.Equal(m, metres.Take(4));
    }

    [Theory]
    [InlineData("mono8", 2u, 2u, "sparse depth encoding: 'mono8' is not 32FC1 or 16UC1")]
    [InlineData("16UC1", 2u, 3u, "sparse depth step: 3 is smaller than width 2 × 2")]
    [InlineData("16UC1", 2u, 5u, "sparse depth step: 5 is not a whole number of 2-byte pixels")]
    [InlineData("32FC1", 2u, 4u, "sparse depth step: 4 is smaller than width 2 × 4")]
    [InlineData("32FC1", 9u, 36u, "sparse depth data: holds 64 elements, 9x2 with step 36 needs 72 (truncated?)")]
    public void Decode_UnusableImage_IsRefusedSayingWhy(string encoding, uint width, uint step, string message)
    {
        var metres = Array.Empty<float>();
        var e = Assert.Throws<ImageFormatException>(() => SparseDepth.Decode(ImageMessageView.Parse(Message(encoding, width, 2, step, new byte[64])), ref metres));
        Assert.Equal(message, e.Message);
    }
}
