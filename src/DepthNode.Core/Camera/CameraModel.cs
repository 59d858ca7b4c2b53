using DepthNode.Messages;

namespace DepthNode.Camera;

/// <summary>Which matrix of a CameraInfo supplies the pinhole intrinsics.</summary>
public enum IntrinsicsSource
{
    /// <summary>
    /// P, as image_geometry and depth_image_proc use it: the depth image is rectified (image_rect). A CameraInfo whose
    /// P is all zero (some drivers leave it unset) is refused: choose <see cref="Calibration"/> to use K instead.
    /// </summary>
    Projection,

    /// <summary>
    /// K, for unrectified input: what the network saw was image_raw, so its pixels follow K, not P. Distortion (D) is
    /// not applied: rays are pinhole rays through K, exact only for a camera with negligible distortion; rectify first
    /// (image_proc) when it matters.
    /// </summary>
    Calibration,
}

/// <summary>
/// Pinhole intrinsics of the image a depth map is published at: focal lengths and principal point in pixels, plus the
/// stereo term Tx = -fx·baseline from P (0 for a monocular camera or when K is used). Binning and ROI are folded in the
/// way image_geometry does, so <see cref="Width"/>×<see cref="Height"/> is the size of the image the data really has.
/// Immutable, with value equality: a cached <see cref="PointClouds.RayTable"/> compares models to know when to rebuild.
/// </summary>
public sealed record CameraModel
{
    public int Width { get; }
    public int Height { get; }
    public double Fx { get; }
    public double Fy { get; }
    public double Cx { get; }
    public double Cy { get; }
    public double Tx { get; }
    public IntrinsicsSource Source { get; }

    public CameraModel(int width, int height, double fx, double fy, double cx, double cy, double tx = 0,
        IntrinsicsSource source = IntrinsicsSource.Projection)
    {
        if (width <= 0 || height <= 0)
            throw new InvalidCameraInfoException("width/height", $"image size {width}x{height} must be positive");
        Require(fx, "fx", positive: true);
        Require(fy, "fy", positive: true);
        Require(cx, "cx", positive: false);
        Require(cy, "cy", positive: false);
        Require(tx, "Tx", positive: false);
        (Width, Height, Fx, Fy, Cx, Cy, Tx, Source) = (width, height, fx, fy, cx, cy, tx, source);
    }

    private static void Require(double value, string field, bool positive)
    {
        if (!double.IsFinite(value))
            throw new InvalidCameraInfoException(field, $"{field} = {value} is not finite");
        if (positive && value <= 0)
            throw new InvalidCameraInfoException(field,
                $"{field} = {value} must be > 0 (a zero focal length means the camera is uncalibrated)");
    }

    /// <summary>
    /// Intrinsics for <paramref name="info"/>. Throws <see cref="InvalidCameraInfoException"/> naming the field when
    /// K/P have the wrong length, the matrix <paramref name="source"/> selects is all zeros, the image size is zero,
    /// fx/fy are not finite and positive, or the principal point lies outside the calibrated image.
    /// </summary>
    public static CameraModel FromCameraInfo(CameraInfo info, IntrinsicsSource source = IntrinsicsSource.Projection)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.K is not { Length: 9 })
            throw new InvalidCameraInfoException("K", $"K has {info.K?.Length ?? 0} values, expected 9");
        if (info.P is not { Length: 12 })
            throw new InvalidCameraInfoException("P", $"P has {info.P?.Length ?? 0} values, expected 12");
        if (info.Width == 0 || info.Height == 0)
            throw new InvalidCameraInfoException("width/height", $"CameraInfo size {info.Width}x{info.Height} is empty");

        var useP = source == IntrinsicsSource.Projection;
        if (useP && info.P.All(v => v == 0))
            throw new InvalidCameraInfoException("P", "P is all zeros (the driver left it unset); set intrinsics: calibration to use K");
        if (!useP && info.K.All(v => v == 0))
            throw new InvalidCameraInfoException("K", "K is all zeros (the camera is not calibrated)");
        double fx, fy, cx, cy, tx;
        if (useP) (fx, fy, cx, cy, tx) = (info.P[0], info.P[5], info.P[2], info.P[6], info.P[3]);
        else (fx, fy, cx, cy, tx) = (info.K[0], info.K[4], info.K[2], info.K[5], 0);
        var usedSource = source;
        // K and P are in the pixels of the calibrated width x height (before binning and ROI), so that is where the
        // principal point must lie; a ROI may well leave it outside the cropped image.
        if (double.IsFinite(cx) && !(cx >= 0 && cx <= info.Width))
            throw new InvalidCameraInfoException("cx", $"principal point cx = {cx} lies outside the calibrated image width 0..{info.Width}");
        if (double.IsFinite(cy) && !(cy >= 0 && cy <= info.Height))
            throw new InvalidCameraInfoException("cy", $"principal point cy = {cy} lies outside the calibrated image height 0..{info.Height}");

        // image_geometry: the ROI (in full-resolution pixels) shifts the principal point, binning divides everything.
        var binX = Math.Max(1u, info.BinningX);
        var binY = Math.Max(1u, info.BinningY);
        var roi = info.Roi;
        var hasRoi = roi.Width != 0 && roi.Height != 0 && (roi.Width != info.Width || roi.Height != info.Height);
        var fullW = hasRoi ? roi.Width : info.Width;
        var fullH = hasRoi ? roi.Height : info.Height;
        if (hasRoi) { cx -= roi.XOffset; cy -= roi.YOffset; }
        return new CameraModel((int)(fullW / binX), (int)(fullH / binY), fx / binX, fy / binY, cx / binX, cy / binY,
            tx / binX, usedSource);
    }

    /// <summary>
    /// The same camera seen through an image resized to <paramref name="newWidth"/>×<paramref name="newHeight"/>.
    /// Pixel centres map as c' = (c + 0.5)·s − 0.5, which is how area and bilinear resizes (OpenCV, ONNX Resize with
    /// half_pixel) place pixels; focal lengths and Tx scale by s.
    /// </summary>
    public CameraModel Scaled(int newWidth, int newHeight)
    {
        if (newWidth <= 0 || newHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(newWidth), $"scaled size {newWidth}x{newHeight} must be positive");
        var sx = (double)newWidth / Width;
        var sy = (double)newHeight / Height;
        return new CameraModel(newWidth, newHeight, Fx * sx, Fy * sy, (Cx + 0.5) * sx - 0.5, (Cy + 0.5) * sy - 0.5,
            Tx * sx, Source);
    }

    /// <summary>Pixel of a point in the optical frame (z forward, x right, y down; REP 103), as image_geometry's project3dToPixel.</summary>
    public (double U, double V) Project(double x, double y, double z) => ((Fx * x + Tx) / z + Cx, Fy * y / z + Cy);

    /// <summary>The point at depth <paramref name="z"/> (metres along the optical axis) seen at pixel (u, v), ignoring Tx as depth_image_proc does.</summary>
    public (double X, double Y, double Z) Unproject(double u, double v, double z) => ((u - Cx) / Fx * z, (v - Cy) / Fy * z, z);

    /// <summary>
    /// A CameraInfo for this model: K and P carry the intrinsics, R = I, no distortion (the image it describes is the
    /// one the model describes), binning and ROI cleared because they are already folded in.
    /// </summary>
    public CameraInfo ToCameraInfo(Header header, string distortionModel = "plumb_bob") => new(
        header, (uint)Height, (uint)Width, distortionModel, new double[5],
        [Fx, 0, Cx, 0, Fy, Cy, 0, 0, 1],
        [1, 0, 0, 0, 1, 0, 0, 0, 1],
        [Fx, 0, Cx, Tx, 0, Fy, Cy, 0, 0, 0, 1, 0],
        0, 0, default);

    /// <summary>
    /// <paramref name="info"/> rescaled for a depth image published at <paramref name="newWidth"/>×<paramref name="newHeight"/>
    /// (Isaac ResizeNode does the same; depth_image_proc consumers do not rescale themselves). K and P are scaled the
    /// same way as <see cref="Scaled"/> (P[3]/P[7] by the width/height ratio); binning and ROI are folded in first and
    /// then cleared, since the new image is a whole image of its own; D and R are kept. A ROI that leaves the principal
    /// point outside the crop stays a valid camera (image_geometry projects through it), though
    /// <see cref="FromCameraInfo"/> refuses such a whole image as implausible.
    /// </summary>
    public static CameraInfo ScaleCameraInfo(CameraInfo info, int newWidth, int newHeight)
    {
        var calibrated = FromCameraInfo(info, IntrinsicsSource.Calibration);
        var k = calibrated.Scaled(newWidth, newHeight);
        var pIsSet = info.P is { Length: 12 } && info.P.Any(v => v != 0);
        var p = pIsSet ? FromCameraInfo(info, IntrinsicsSource.Projection).Scaled(newWidth, newHeight) : k;
        // P[7] (Ty) is zero except for vertical stereo; it scales with fy like Tx with fx.
        var ty = pIsSet ? info.P[7] / Math.Max(1u, info.BinningY) * newHeight / calibrated.Height : 0;
        return info with
        {
            Width = (uint)newWidth,
            Height = (uint)newHeight,
            K = [k.Fx, 0, k.Cx, 0, k.Fy, k.Cy, 0, 0, 1],
            P = [p.Fx, 0, p.Cx, p.Tx, 0, p.Fy, p.Cy, ty, 0, 0, 1, 0],
            BinningX = 0,
            BinningY = 0,
            Roi = default,
            D = (double[])info.D.Clone(),
            R = (double[])info.R.Clone(),
        };
    }
}

/// <summary>
/// A CameraInfo that cannot describe a pinhole camera. <see cref="Field"/> names the offending field. Derives from
/// FormatException because InvalidDataException is sealed; the CLI runner reports both as one line.
/// </summary>
public sealed class InvalidCameraInfoException(string field, string message)
    : FormatException($"camera_info: {message}")
{
    public string Field { get; } = field;
}
