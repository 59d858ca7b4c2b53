using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Core.Tests.Imaging;

public class OpenCvDecodeTests
{
    [Fact]
    public void Imread_KittiRgbPng_Decodes1242x375ThreeChannels()
    {
        using var m = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "rgb", "0000000005.png"), ImreadModes.Unchanged);
        Assert.Equal(1242, m.Width);
        Assert.Equal(375, m.Height);
        Assert.Equal(MatType.CV_8UC3, m.Type());
    }

    [Fact]
    public void Imread_KittiDepthPng_Decodes16BitWithPlausibleRange()
    {
        using var m = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "depth", "0000000005.png"), ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, m.Type());
        using var valid = new Mat();
        Cv2.Compare(m, new Scalar(0), valid, CmpTypes.GT);
        var fraction = Cv2.CountNonZero(valid) / (double)(m.Width * m.Height);
        Assert.InRange(fraction, 0.10, 0.30); // data/README: 18-21 % of KITTI pixels carry a LiDAR depth
        Cv2.MinMaxLoc(m, out _, out double max);
        Assert.InRange(max / 256.0, 20, 100); // metres = value / 256, 5-85 m
    }
}
