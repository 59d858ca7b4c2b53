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

    [Theory]
    [InlineData("camera_matrix:\n  rows: 3\n  cols: 3\n  data: [721.5, 0, 609.5, 0, x, 172.8, 0, 0, 1]", "'camera_matrix.data[4]' is not a number")]
    [InlineData("camera_matrix:\n  rows: 3\n  cols: 3\n  data: [1, 2, 3]", "'camera_matrix' has 3 values, expected 9")]
    [InlineData("camera_matrix:\n  rows: 3\n  cols: 3", "missing 'camera_matrix.data'")]
    [InlineData("image_width: wide", "'image_width' must be a non-negative integer, got 'wide'")]
    public void Load_MalformedValue_NamesFileAndKey(string replacement, string message)
    {
        // The real KITTI calibration with one entry replaced by a broken one.
        var original = File.ReadAllText(SharedData.Path("data", "kitti", "raw_depth_gt", "camera_info.yaml"));
        var key = replacement[..replacement.IndexOf(':')];
        var lines = original.Split('\n').ToList();
        var start = lines.FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        Assert.True(start >= 0, $"{key} not in the calibration file");
        var end = start + 1;
        while (end < lines.Count && lines[end].StartsWith(' ')) end++;
        lines.RemoveRange(start, end - start);
        lines.Insert(start, replacement);
        var path = Path.Combine(Path.GetTempPath(), $"depthnode-camera-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, string.Join('\n', lines));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CameraInfoYaml.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains(message, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
