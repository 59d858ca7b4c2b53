using DepthNode.Camera;
using DepthNode.Synthetic;
using DepthNode.Tests;

namespace DepthNode.Tools.Tests.Synthetic;

public class StreetSceneTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Render_Depth_EqualsIndependentRayCastZ(int frame)
    {
        var (_, depth) = AnalyticStreet.Render(frame);
        int sky = 0, mismatched = 0;
        for (var v = 0; v < StreetScene.Height; v++)
        for (var u = 0; u < StreetScene.Width; u++)
        {
            var expected = AnalyticStreet.PointAt(frame, u, v);
            var actual = depth[v * StreetScene.Width + u];
            if (expected is null) { sky++; if (!float.IsNaN(actual)) mismatched++; continue; }
            // float storage: half an ulp is 6e-8 relative.
            if (!(Math.Abs(actual - expected.Value.Z) <= 1e-6 * expected.Value.Z)) mismatched++;
        }
        Assert.Equal(0, mismatched);
        Assert.InRange(sky, 5_000, StreetScene.Width * StreetScene.Height / 2); // there is sky, but not everywhere
    }

    [Fact]
    public void Render_BottomCentrePixel_IsRoadAtCameraHeight()
    {
        var (_, depth) = AnalyticStreet.Render(0);
        // Bottom row, centre column: road plane y = 1.65 seen at y/z = (374 - cy)/f.
        var expected = StreetScene.CameraHeight * StreetScene.Focal / (374 - StreetScene.PrincipalY);
        Assert.Equal(expected, depth[374 * StreetScene.Width + 610], 4);
        Assert.True(float.IsNaN(depth[5 * StreetScene.Width + 610]), "top centre is sky between the facades");
    }

    [Fact]
    public void Render_IsDeterministic_AndImageIsNotFlat()
    {
        var (rgbA, depthA) = AnalyticStreet.Render(3);
        var (rgbB, depthB) = AnalyticStreet.Render(3);
        Assert.Equal(rgbA, rgbB);
        Assert.Equal(depthA, depthB);
        Assert.True(rgbA.Distinct().Count() > 100, "texture and shading give many distinct values");
    }

    [Fact]
    public void Render_NextFrame_ParkedCarIsOneMetreCloser()
    {
        // Ray through the centre of the parked car's rear face (x 4.6..6.4, y 0.15..1.35, z 9 at frame 0).
        var (u, v) = StreetScene.Camera.Project(5.5, 0.75, 9.0);
        var (_, d0) = AnalyticStreet.Render(0);
        var (_, d1) = AnalyticStreet.Render(1);
        var i = (int)Math.Round(v) * StreetScene.Width + (int)Math.Round(u);
        Assert.Equal(9.0, d0[i], 4);
        var (u1, v1) = StreetScene.Camera.Project(5.5, 0.75, 8.0);
        Assert.Equal(8.0, d1[(int)Math.Round(v1) * StreetScene.Width + (int)Math.Round(u1)], 4);
    }

    [Fact]
    public void RenderMessages_ShareHeader_AndCarryTheRenderedBytes()
    {
        var (rgbImage, depthImage, info) = StreetScene.RenderMessages(4);
        var (rgb, depth) = AnalyticStreet.Render(4);
        Assert.Same(rgbImage.Header, depthImage.Header);
        Assert.Same(rgbImage.Header, info.Header);
        Assert.Equal(("rgb8", 1242u * 3, "32FC1", 1242u * 4), (rgbImage.Encoding, rgbImage.Step, depthImage.Encoding, depthImage.Step));
        Assert.Equal(rgb, rgbImage.Data.ToArray());
        var bytes = depthImage.Data.Span;
        for (var k = 0; k < depth.Length; k += 997)
            Assert.Equal(depth[k], System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * k)..]));
    }

    [Fact]
    public void CameraInfoAt_DescribesTheRenderingCamera()
    {
        var info = StreetScene.CameraInfoAt(2);
        var model = CameraModel.FromCameraInfo(info);
        Assert.Equal((1242u, 375u), (info.Width, info.Height));
        Assert.Equal(721.5, model.Fx);
        Assert.Equal(609.5, model.Cx);
        Assert.Equal(172.8, model.Cy);
        Assert.Equal(StreetScene.FrameId, info.Header.FrameId);
        Assert.Equal(StreetScene.HeaderAt(0).Stamp.TotalNanoseconds + 2 * StreetScene.FramePeriodNs, info.Header.Stamp.TotalNanoseconds);
    }
}
