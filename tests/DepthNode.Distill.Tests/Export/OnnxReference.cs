using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensorF = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace DepthNode.Distill.Tests.Export;

/// <summary>Runs graphs through ONNX Runtime (the independent implementation) and makes tensors from real NYU frames.</summary>
internal static class OnnxReference
{
    /// <summary>Runs <paramref name="model"/> on float32 inputs and returns its first output as a CPU tensor.</summary>
    public static Tensor Run(Onnx.ModelProto model, params (string Name, Tensor Value)[] inputs) => Run(model.ToByteArray(), inputs);

    public static Tensor Run(byte[] model, params (string Name, Tensor Value)[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        var feeds = inputs.Select(i =>
        {
            using var c = i.Value.detach().cpu().to_type(ScalarType.Float32).contiguous();
            return NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensorF(c.data<float>().ToArray(), c.shape.Select(d => (int)d).ToArray()));
        }).ToList();
        using var results = session.Run(feeds);
        var output = results[0].AsTensor<float>();
        return torch.tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    /// <summary>An NYU frame as [1, 3, height, width] RGB in [0, 1] (OpenCV area resize), a real image for op checks.</summary>
    public static Tensor NyuImage(int width, int height, string frame = "rgb_00000.jpg")
    {
        using var bgr = Cv2.ImRead(DepthNode.Tests.SharedData.Path("data", "nyu", frame), ImreadModes.Color);
        using var small = new Mat();
        Cv2.Resize(bgr, small, new OpenCvSharp.Size(width, height), 0, 0, InterpolationFlags.Area);
        var planes = new float[3 * width * height];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var p = small.At<Vec3b>(y, x);
                for (var c = 0; c < 3; c++) planes[(c * height + y) * width + x] = p[2 - c] / 255f;
            }
        return torch.tensor(planes, [1, 3, height, width]);
    }

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var d = (a - b).abs().max();
        return d.item<float>();
    }

    /// <summary>‖a − b‖₂ / ‖b‖₂.</summary>
    public static double RelativeL2(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var num = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).norm();
        using var den = b.to_type(ScalarType.Float64).norm();
        return num.item<double>() / den.item<double>();
    }
}
