using DepthNode.Camera;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Camera;

public class CameraInfoYamlTests
{
    [Fact]
    public void Load_KittiRawCalibration_ReadsImage02Intrinsics()
    {
        var info = CameraInfoYaml.Load(SharedData.Path("data", "kitti", "raw_depth_gt", "camera_info.yaml"), "camera");
        Assert.Equal((1242u, 375u), (info.Width, info.Height));
        Assert.Equal("plumb_bob", info.DistortionModel);
        // Values stated in shared/data/README.md for the 2011_09_26 image_02 calibration.
        Assert.Equal(721.5377, info.K[0]);
        Assert.Equal(609.5593, info.K[2]);
        Assert.Equal(172.854, info.K[5]);
        Assert.Equal(12, info.P.Length);
        Assert.Equal("camera", info.Header.FrameId);
    }
}
