using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Messages;
using DepthNode.PointClouds;
using DepthNode.Synthetic;

namespace DepthNode.Core.Tests.Depth;

public class DepthImageAccessTests
{
    private static Image Depth(string encoding = "32FC1", uint width = 4, uint height = 3, uint step = 16, int bytes = 48, byte bigEndian = 0) =>
        new(Header.Empty, height, width, encoding, bigEndian, step, new byte[bytes]);

    [Fact]
    public void GetMetres_RenderedDepthMessage_FeedsThePointCloud()
    {
        var (_, depthImage, info) = StreetScene.RenderMessages(1);
        var metres = DepthEncoding.GetMetres(depthImage);
        Assert.Equal((1242, 375, 1242), (metres.Width, metres.Height, metres.RowStride));
        var builder = new PointCloudBuilder();
        builder.SetCamera(DepthNode.Camera.CameraModel.FromCameraInfo(info));
        var cloud = new byte[builder.Layout.ByteCount];
        var result = builder.Build(metres, cloud);
        Assert.True(result.ValidPoints > 300_000);
    }

    [Fact]
    public void GetMillimetres_PaddedRows_ReturnsStrideInElements()
    {
        var image = Depth("16UC1", width: 5, height: 2, step: 12, bytes: 22);
        var mm = DepthEncoding.GetMillimetres(image);
        Assert.Equal(6, mm.RowStride);
        Assert.Equal(11, mm.Data.Length);
        Assert.Equal(5, mm.Row(1).Length);
    }

    [Theory]
    [InlineData("16UC1", 4u, 3u, 16u, 48, 0, "encoding")]
    [InlineData("32FC1", 0u, 3u, 16u, 48, 0, "width")]
    [InlineData("32FC1", 4u, 0u, 16u, 48, 0, "height")]
    [InlineData("32FC1", 4u, 3u, 12u, 48, 0, "step")]   // step smaller than width × 4
    [InlineData("32FC1", 4u, 3u, 18u, 60, 0, "step")]   // step not whole floats
    [InlineData("32FC1", 4u, 3u, 16u, 47, 0, "data")]   // one byte short
    [InlineData("32FC1", 4u, 3u, 20u, 55, 0, "data")]   // padded rows: (3 − 1)·20 + 16 = 56 needed
    [InlineData("32FC1", 4u, 3u, 16u, 48, 1, "is_bigendian")]
    public void GetMetres_BadHeader_NamesTheField(string encoding, uint width, uint height, uint step, int bytes, byte bigEndian, string field)
    {
        var e = Assert.Throws<ImageFormatException>(() => DepthEncoding.GetMetres(Depth(encoding, width, height, step, bytes, bigEndian)));
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"depth image {field}: ", e.Message);
    }
}
