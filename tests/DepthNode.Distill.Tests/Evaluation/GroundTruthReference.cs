using DepthNode.Installation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Evaluation;

/// <summary>
/// FastDepth scored on a SUN3D frame without any DepthNode code: OpenCV decodes and pre-processes (CvtColor, ConvertTo,
/// Resize INTER_AREA), ONNX Runtime's plain Run API predicts, OpenCV INTER_LINEAR brings the prediction to the ground
/// truth's size, and AbsRel, δ1 and RMSE are written out naively (the scale_shift fit solved by OpenCV's SVD least
/// squares in disparity space).
/// </summary>
internal static class GroundTruthReference
{
    public sealed record Score(double AbsRel, double Delta1, double Rmse, int Valid);

    private const double MetresPerUnit = 1e-3, MinDepth = 1e-3, MaxDepth = 10;

    private static readonly Lazy<InferenceSession> Session = new(() =>
        new InferenceSession(CheckoutModels.DefaultModelPath, new SessionOptions { IntraOpNumThreads = 1 }));

    public static Score Sun3d(string folder, string frame, string align)
    {
        using var raw = Cv2.ImRead(Path.Combine(folder, frame + ".depth.png"), ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, raw.Type());
        raw.GetArray(out ushort[] gtRaw);
        var pred = Prediction(Path.Combine(folder, frame + ".color.png"), raw.Cols, raw.Rows);
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

    private static float[] Prediction(string rgbPath, int width, int height)
    {
        using var bgr = Cv2.ImRead(rgbPath, ImreadModes.Color);
        using var rgb = bgr.CvtColor(ColorConversionCodes.BGR2RGB);
        using var full = new Mat();
        rgb.ConvertTo(full, MatType.CV_32FC3, 1 / 255.0);
        using var small = new Mat();
        Cv2.Resize(full, small, new Size(224, 224), 0, 0, InterpolationFlags.Area);
        small.GetArray(out Vec3f[] px);
        var tensor = new DenseTensor<float>([1, 3, 224, 224]);
        for (var y = 0; y < 224; y++)
            for (var x = 0; x < 224; x++)
            {
                var v = px[y * 224 + x];
                tensor[0, 0, y, x] = v.Item0; tensor[0, 1, y, x] = v.Item1; tensor[0, 2, y, x] = v.Item2;
            }
        using var results = Session.Value.Run([NamedOnnxValue.CreateFromTensor("0", tensor)]);
        var output = results[0].AsEnumerable<float>().ToArray();
        using var o = Mat.FromPixelData(224, 224, MatType.CV_32FC1, output);
        using var big = new Mat();
        Cv2.Resize(o, big, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        big.GetArray(out float[] prediction);
        return prediction;
    }
}
