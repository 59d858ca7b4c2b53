using DepthNode.Installation;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Tests;

/// <summary>
/// FastDepth's metric prediction without any DepthNode code, the reference the eval tests score against: OpenCV
/// decodes and pre-processes (CvtColor, ConvertTo to float before resizing, Resize with the given filter), ONNX
/// Runtime's plain Run API predicts, OpenCV INTER_LINEAR brings the prediction to the ground truth's size.
/// Compiled only into the test projects that reference ONNX Runtime and OpenCV.
/// </summary>
internal static class FastDepthReference
{
    private static readonly Lazy<InferenceSession> Session = new(() =>
        new InferenceSession(CheckoutModels.DefaultModelPath, new SessionOptions { IntraOpNumThreads = 1 }));

    public static float[] Prediction(string rgbPath, int width, int height, InterpolationFlags resize = InterpolationFlags.Area)
    {
        using var bgr = Cv2.ImRead(rgbPath, ImreadModes.Color);
        using var rgb = bgr.CvtColor(ColorConversionCodes.BGR2RGB);
        using var full = new Mat();
        rgb.ConvertTo(full, MatType.CV_32FC3, 1 / 255.0); // before resizing: an 8-bit resize would round to grey levels
        using var small = new Mat();
        Cv2.Resize(full, small, new Size(224, 224), 0, 0, resize);
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
