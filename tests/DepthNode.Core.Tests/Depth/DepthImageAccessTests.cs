using DepthNode.Depth;
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
        var metres = DepthEncoding.GetMetres(depthImage, out var stride);
        Assert.Equal(1242, stride);
        var builder = new PointCloudBuilder();
        builder.SetCamera(DepthNode.Camera.CameraModel.FromCameraInfo(info));
        var cloud = new byte[builder.Layout.ByteCount];
        var result = builder.Build(metres, (int)depthImage.Width, (int)depthImage.Height, stride, cloud);
        Assert.True(result.ValidPoints > 300_000);
    }

    [Fact]
    public void GetMillimetres_PaddedRows_ReturnsStrideInElements()
    {
        var image = Depth("16UC1", width: 5, height: 2, step: 12, bytes: 22);
        var mm = DepthEncoding.GetMillimetres(image, out var stride);
        Assert.Equal(6, stride);
        Assert.Equal(11, mm.Length);
    }

    [Theory]
    [InlineData("16UC1", 4u, 3u, 16u, 48, 0, "encoding")]
    [InlineData("32FC1", 0u, 3u, 16u, 48, 0, "width/height")]
    [InlineData("32FC1", 4u, 3u, 12u, 48, 0, "step")]   // step smaller than width × 4
    [InlineData("32FC1", 4u, 3u, 18u, 60, 0, "step")]   // step not whole floats
    [InlineData("32FC1", 4u, 3u, 16u, 47, 0, "data")]   // one byte short
    [InlineData("32FC1", 4u, 3u, 16u, 48, 1, "is_bigendian")]
    public void GetMetres_BadHeader_NamesTheField(string encoding, uint width, uint height, uint step, int bytes, byte bigEndian, string field)
    {
        var e = Assert.Throws<InvalidDepthImageException>(() => DepthEncoding.GetMetres(Depth(encoding, width, height, step, bytes, bigEndian), out _));
        Assert.Equal(field, e.Field);
        Assert.StartsWith("depth image: ", e.Message);
    }
}
