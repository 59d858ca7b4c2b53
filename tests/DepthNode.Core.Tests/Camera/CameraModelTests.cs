using DepthNode.Camera;
using DepthNode.Messages;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Camera;

public class CameraModelTests
{
    private static CameraInfo Info(double[] k, double[] p, uint width = 640, uint height = 480, uint binX = 0, uint binY = 0,
        RegionOfInterest roi = default) =>
        new(Header.Empty, height, width, "plumb_bob", new double[5], k, [1, 0, 0, 0, 1, 0, 0, 0, 1], p, binX, binY, roi);

    private static readonly double[] K = [500, 0, 320, 0, 510, 240, 0, 0, 1];
    private static readonly double[] P = [480, 0, 330, -24, 0, 490, 250, 0, 0, 0, 1, 0];

    [Fact]
    public void FromCameraInfo_Projection_UsesP()
    {
        var m = CameraModel.FromCameraInfo(Info(K, P));
        Assert.Equal((480.0, 490.0, 330.0, 250.0, -24.0), (m.Fx, m.Fy, m.Cx, m.Cy, m.Tx));
        Assert.Equal(IntrinsicsSource.Projection, m.Source);
        Assert.Equal((640, 480), (m.Width, m.Height));
    }

    [Fact]
    public void FromCameraInfo_Calibration_UsesKAndNoTx()
    {
        var m = CameraModel.FromCameraInfo(Info(K, P), IntrinsicsSource.Calibration);
        Assert.Equal((500.0, 510.0, 320.0, 240.0, 0.0), (m.Fx, m.Fy, m.Cx, m.Cy, m.Tx));
        Assert.Equal(IntrinsicsSource.Calibration, m.Source);
    }

    [Fact]
    public void FromCameraInfo_SelectedMatrixAllZeros_RefusedNamingIt()
    {
        // A driver that leaves P unset: with intrinsics = projection that is an error, not a silent switch to K.
        var e = Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(K, new double[12])));
        Assert.Equal(("P", "camera_info: P is all zeros (the driver left it unset); set intrinsics: calibration to use K"), (e.Field, e.Message));
        var m = CameraModel.FromCameraInfo(Info(K, new double[12]), IntrinsicsSource.Calibration);
        Assert.Equal((500.0, 320.0, IntrinsicsSource.Calibration), (m.Fx, m.Cx, m.Source));
        e = Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(new double[9], P), IntrinsicsSource.Calibration));
        Assert.Equal("K", e.Field);
    }

    [Theory]
    [InlineData(2, -1.0, 240.0, "cx")]     // P[2]
    [InlineData(2, 640.5, 240.0, "cx")]    // beyond the 640-pixel width
    [InlineData(6, 320.0, 480.5, "cy")]    // P[6], beyond the 480-pixel height
    public void FromCameraInfo_PrincipalPointOutsideTheImage_Refused(int index, double cx, double cy, string field)
    {
        var p = (double[])P.Clone();
        (p[2], p[6]) = (cx, cy);
        var e = Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(K, p)));
        Assert.Equal(field, e.Field);
        Assert.Contains($"= {p[index]} lies outside", e.Message);
    }

    [Fact]
    public void FromCameraInfo_KittiCalibP2_ReadsRealTx()
    {
        // KITTI odometry calib.txt, P2 (left colour camera): fx 707.0912, cx 601.8873, Tx = fx·baseline offset 46.88783.
        var line = File.ReadLines(SharedData.Path("data", "kitti", "odometry_07", "calib.txt")).First(l => l.StartsWith("P2:"));
        var p = line[3..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var yaml = CameraInfoYaml.Load(SharedData.Path("data", "kitti", "odometry_07", "camera_info.yaml"));
        var m = CameraModel.FromCameraInfo(yaml with { P = p });
        Assert.Equal((707.0912, 601.8873, 183.1104, 46.88783), (m.Fx, m.Cx, m.Cy, m.Tx));
        Assert.Equal((1226, 370), (m.Width, m.Height));
    }

    [Theory]
    [InlineData(0, "fx")]
    [InlineData(-3, "fx")]
    [InlineData(double.NaN, "fx")]
    [InlineData(double.PositiveInfinity, "fx")]
    public void FromCameraInfo_BadFocalLength_NamesTheField(double fx, string field)
    {
        var k = (double[])K.Clone();
        k[0] = fx;
        var e = Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(k, new double[12]), IntrinsicsSource.Calibration));
        Assert.Equal(field, e.Field);
        Assert.Contains("fx", e.Message);
    }

    [Fact]
    public void FromCameraInfo_BadShapes_NameTheField()
    {
        Assert.Equal("K", Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info([1, 2, 3], P))).Field);
        Assert.Equal("P", Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(K, new double[9]))).Field);
        var e = Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(K, P, width: 0)));
        Assert.Contains("0x480", e.Message);
        var p = (double[])P.Clone();
        p[6] = double.NaN;
        Assert.Equal("cy", Assert.Throws<InvalidCameraInfoException>(() => CameraModel.FromCameraInfo(Info(K, p))).Field);
    }

    [Fact]
    public void FromCameraInfo_BinningAndRoi_FoldedInLikeImageGeometry()
    {
        // A 200×100 ROI at (100, 50) of the full 640×480 image, binned 2×: the image is 100×50, and its pixel u is
        // full-resolution pixel 100 + 2u (image_geometry's reduced-to-full mapping).
        var m = CameraModel.FromCameraInfo(Info(K, P, binX: 2, binY: 2, roi: new RegionOfInterest(100, 50, 100, 200, false)));
        Assert.Equal((100, 50), (m.Width, m.Height));
        Assert.Equal((240.0, 245.0, 115.0, 100.0, -12.0), (m.Fx, m.Fy, m.Cx, m.Cy, m.Tx));
        // The same 3D point lands on the corresponding pixel of the full and the reduced image.
        var full = CameraModel.FromCameraInfo(Info(K, P));
        var (uf, vf) = full.Project(0.3, -0.1, 4);
        var (ur, vr) = m.Project(0.3, -0.1, 4);
        Assert.Equal(uf, ur * 2 + 100, 9);
        Assert.Equal(vf, vr * 2 + 50, 9);
    }

    [Fact]
    public void Scaled_HalfResolution_PointLandsOnTheSamePixelArea()
    {
        var full = CameraModel.FromCameraInfo(CameraInfoYaml.Load(SharedData.Path("data", "kitti", "raw_depth_gt", "camera_info.yaml")));
        var half = full.Scaled(621, 188); // 375 is odd: vertical scale 188/375, not exactly 1/2
        foreach (var (x, y, z) in new[] { (0.0, 0.0, 10.0), (-3.5, 1.65, 7.2), (8.0, -2.0, 30.0) })
        {
            var (uf, vf) = full.Project(x, y, z);
            var (uh, vh) = half.Project(x, y, z);
            // Pixel-centre convention: the edges of the image coincide, i.e. (u + 0.5)/W is the same at both sizes.
            Assert.Equal((uf + 0.5) / 1242, (uh + 0.5) / 621, 12);
            Assert.Equal((vf + 0.5) / 375, (vh + 0.5) / 188, 12);
            var back = half.Unproject(uh, vh, z);
            Assert.Equal((x, y, z), back, new ToleranceComparer(1e-9));
        }
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<(double, double, double)>
    {
        public bool Equals((double, double, double) a, (double, double, double) b) =>
            Math.Abs(a.Item1 - b.Item1) <= tol && Math.Abs(a.Item2 - b.Item2) <= tol && Math.Abs(a.Item3 - b.Item3) <= tol;
        public int GetHashCode((double, double, double) obj) => 0;
    }

    [Fact]
    public void ScaleCameraInfo_RescalesKAndP_AndRoundTripsThroughFromCameraInfo()
    {
        var info = Info(K, P, binX: 2, binY: 2, roi: new RegionOfInterest(100, 50, 100, 200, false));
        var scaled = CameraModel.ScaleCameraInfo(info, 50, 25);
        Assert.Equal((50u, 25u, 0u, 0u), (scaled.Width, scaled.Height, scaled.BinningX, scaled.BinningY));
        Assert.Equal(default, scaled.Roi);
        // Independent arithmetic: binned/ROI'd model is fx 240, cx 115, Tx -12 at 100 px wide; half of that is
        // fx 120, cx (115 + 0.5)/2 - 0.5 = 57.25, Tx -6; K: fx 500/2/2 = 125, cx ((320-100)/2 + 0.5)/2 - 0.5 = 54.75.
        Assert.Equal([125, 0, 54.75, 0, 127.5, 47.25, 0, 0, 1], scaled.K);
        Assert.Equal([120, 0, 57.25, -6, 0, 122.5, 49.75, 0, 0, 0, 1, 0], scaled.P);
        // That crop leaves the principal point outside it, which FromCameraInfo refuses in a whole image; round-trip a
        // crop that holds it: 300x200 at (200, 150), binned 2x to 150x100, then scaled to 75x50.
        var centred = Info(K, P, binX: 2, binY: 2, roi: new RegionOfInterest(200, 150, 200, 300, false));
        Assert.Equal(CameraModel.FromCameraInfo(centred).Scaled(75, 50), CameraModel.FromCameraInfo(CameraModel.ScaleCameraInfo(centred, 75, 50)));
        Assert.Equal(info.D, scaled.D);
        Assert.NotSame(info.D, scaled.D);
    }

    [Fact]
    public void ScaleCameraInfo_UnsetP_IsFilledFromScaledK()
    {
        var scaled = CameraModel.ScaleCameraInfo(Info(K, new double[12]), 320, 240); // P unset: K is all there is
        // Half size: fx 250, cx (320 + 0.5)/2 - 0.5 = 159.75; fy 255, cy (240 + 0.5)/2 - 0.5 = 119.75.
        Assert.Equal([250, 0, 159.75, 0, 255, 119.75, 0, 0, 1], scaled.K);
        Assert.Equal([250, 0, 159.75, 0, 0, 255, 119.75, 0, 0, 0, 1, 0], scaled.P);
    }

    [Fact]
    public void ToCameraInfo_RoundTrips()
    {
        var m = new CameraModel(1242, 375, 721.5, 721.0, 609.5, 172.8, -387.57);
        var info = m.ToCameraInfo(new Header(new RosTime(5, 6), "cam_optical"));
        Assert.Equal(m, CameraModel.FromCameraInfo(info));
        Assert.Equal("cam_optical", info.Header.FrameId);
    }
}
