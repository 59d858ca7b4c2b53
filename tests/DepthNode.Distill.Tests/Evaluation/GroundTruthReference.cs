using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Evaluation;

/// <summary>
/// FastDepth scored on a SUN3D frame without any DepthNode code: the prediction of <see cref="FastDepthReference"/>
/// (OpenCV pre-processing with INTER_AREA, ONNX Runtime, INTER_LINEAR to the ground truth's size), and AbsRel, δ1 and
/// RMSE written out naively (the scale_shift fit solved by OpenCV's SVD least squares in disparity space).
/// </summary>
internal static class GroundTruthReference
{
    public sealed record Score(double AbsRel, double Delta1, double Rmse, int Valid);

    private const double MetresPerUnit = 1e-3, MinDepth = 1e-3, MaxDepth = 10;

    public static Score Sun3d(string folder, string frame, string align)
    {
        using var raw = Cv2.ImRead(Path.Combine(folder, frame + ".depth.png"), ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, raw.Type());
        raw.GetArray(out ushort[] gtRaw);
        var pred = FastDepthReference.Prediction(Path.Combine(folder, frame + ".color.png"), raw.Cols, raw.Rows);
        var idx = Enumerable.Range(0, gtRaw.Length).Where(i => gtRaw[i] * MetresPerUnit > MinDepth && gtRaw[i] * MetresPerUnit < MaxDepth).ToArray();
        var g = idx.Select(i => gtRaw[i] * MetresPerUnit).ToArray();
        var p = idx.Select(i => (double)pred[i]).ToArray();
        if (align == "scale_shift")
        {
            using var a = new Mat(p.Length, 2, MatType.CV_64FC1);
            using var b = new Mat(p.Length, 1, MatType.CV_64FC1);
            for (var i = 0; i < p.Length; i++) { a.Set(i, 0, 1 / p[i]); a.Set(i, 1, 1.0); b.Set(i, 0, 1 / g[i]); }
            using var st = new Mat();
            Cv2.Solve(a, b, st, DecompTypes.SVD);
            double s = st.At<double>(0), t = st.At<double>(1);
            p = p.Select(v => 1 / Math.Max(s / v + t, 1e-3)).ToArray();
        }
        else Assert.Equal("none", align);
        p = p.Select(v => Math.Clamp(v, MinDepth, MaxDepth)).ToArray();
        return new Score(
            p.Zip(g, (x, y) => Math.Abs(x - y) / y).Average(),
            p.Zip(g, (x, y) => Math.Max(x / y, y / x) < 1.25 ? 1.0 : 0.0).Average(),
            Math.Sqrt(p.Zip(g, (x, y) => (x - y) * (x - y)).Average()),
            g.Length);
    }
}
