using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Export;
using DepthNode.Distill.Networks.DepthAnything;
using DepthNode.Distill.Tests.Export;
using DepthNode.Tests;
using OpenCvSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

/// <summary>
/// The TorchSharp network and its ONNX export (run by ONNX Runtime) against an independent PyTorch implementation
/// (Reference/depth_anything_reference.py, Debian python3-torch) on the same seeded weights, saved with the official
/// key names and loaded back through the user's loader, on real frames. 3e-5 relative L2 separates exact from tanh
/// GELU (~1e-4) and scale_factor from size-based position-embedding resampling (~1e-2).
/// </summary>
public sealed class ReferenceParityTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 3e-5;
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    private readonly string dir = Directory.CreateTempSubdirectory("dad-parity-").FullName;

    [Theory]
    // 518×518 uses the stored 37×37 position embeddings; 182×602 (KITTI's aspect ratio, half of 364×1204 to keep
    // the test short) resamples them to 13×43.
    [InlineData("nyu/rgb_00000.jpg", 518, 518)]
    [InlineData("kitti/raw_depth_gt/rgb/0000000005.png", 182, 602)]
    public void Forward_OnRealFrame_TorchSharpAndOnnxExportMatchIndependentPyTorchReference(string frame, int h, int w)
    {
        var weights = Path.Combine(dir, "dad-small.safetensors");
        using (var seeded = SeededWeights.Small(seed: 8))
        using (var calibration = tensor(NormalisedFrame(SharedData.Path("data", frame), 70, 238), [1, 3, 70, 238]))
        {
            SeededWeights.NormaliseOutput(seeded, calibration);
            DepthAnythingCheckpoint.Save(seeded, weights);
        }
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        DepthAnythingCheckpoint.Load(network, weights);
        network.eval();
        var pixels = NormalisedFrame(SharedData.Path("data", frame), h, w);
        var input = Path.Combine(dir, "input.f32");
        PythonReference.WriteFloats(input, pixels);

        float[] depth, tokens, onnx;
        using (no_grad())
        using (var x = tensor(pixels, [1, 3, h, w]))
        {
            var (d, t) = network.ForwardWithFeatures(x);
            using (d) depth = d.data<float>().ToArray();
            using (t) tokens = t.contiguous().data<float>().ToArray();
            using var o = OnnxReference.Run(Export(network), ("pixel_values", x));
            Assert.Equal(new long[] { 1, 1, h, w }, o.shape);
            onnx = o.data<float>().ToArray();
        }
        PythonReference.Run("forward", "--weights", weights, "--size", "dad-small", "--input", input, "--shape", $"1,3,{h},{w}",
            "--output", Path.Combine(dir, "depth.f32"), "--tokens", Path.Combine(dir, "tokens.f32"));
        var expectedDepth = PythonReference.ReadFloats(Path.Combine(dir, "depth.f32"));
        var expectedTokens = PythonReference.ReadFloats(Path.Combine(dir, "tokens.f32"));

        Assert.Equal(h * w, expectedDepth.Length);
        Assert.True(expectedDepth.Count(v => v > 0) > h * w / 2, "reference depth is mostly zero: the comparison would be empty");
        Assert.True(StandardDeviation(expectedDepth) > 0.3 * expectedDepth.Average(), "reference depth is nearly constant: relative L2 would hide errors");
        var depthError = RelativeL2(depth, expectedDepth);
        var tokenError = RelativeL2(tokens, expectedTokens);
        var onnxError = RelativeL2(onnx, expectedDepth);
        var onnxVsTorch = RelativeL2(onnx, depth);
        output.WriteLine($"{frame} {h}×{w} (depth mean {expectedDepth.Average():G3}, std {StandardDeviation(expectedDepth):G3}, max {expectedDepth.Max():G4}): TorchSharp vs reference relative L2 {depthError:E2}, max abs {MaxAbs(depth, expectedDepth):E2}; " +
            $"tokens {tokenError:E2}; ONNX Runtime vs reference {onnxError:E2}, max abs {MaxAbs(onnx, expectedDepth):E2}; ONNX Runtime vs TorchSharp {onnxVsTorch:E2}");
        Assert.True(depthError <= Tolerance, $"depth relative L2 {depthError:E2} > {Tolerance:E0} at {h}×{w}");
        Assert.True(tokenError <= Tolerance, $"last-tap tokens relative L2 {tokenError:E2} > {Tolerance:E0} at {h}×{w}");
        Assert.True(onnxError <= Tolerance, $"ONNX export vs reference relative L2 {onnxError:E2} > {Tolerance:E0} at {h}×{w}");
        Assert.True(onnxVsTorch <= Tolerance, $"ONNX export vs TorchSharp relative L2 {onnxVsTorch:E2} > {Tolerance:E0} at {h}×{w}");
    }

    /// <summary>The float32 export with dynamic height and width, as `depth-distill export` writes it.</summary>
    private static byte[] Export(DepthAnythingNetwork network)
    {
        var g = new OnnxGraphBuilder("dad-small");
        var depth = network.EmitOnnx(g, g.Input("pixel_values", 1, 3, "height", "width"));
        g.Output(depth, "predicted_depth", 1, 1, "height", "width");
        return Google.Protobuf.MessageExtensions.ToByteArray(g.Build());
    }

    /// <summary>RGB, resized with bicubic interpolation, /255, ImageNet mean/std, planar CHW.</summary>
    internal static float[] NormalisedFrame(string path, int h, int w)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        using var resized = bgr.Resize(new OpenCvSharp.Size(w, h), interpolation: InterpolationFlags.Cubic);
        var result = new float[3 * h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var px = resized.At<Vec3b>(y, x);
                for (var c = 0; c < 3; c++)
                    result[(c * h + y) * w + x] = (px[2 - c] / 255f - Mean[c]) / Std[c];
            }
        return result;
    }

    internal static double RelativeL2(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(actual[i] - (double)expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff / norm);
    }

    private static double StandardDeviation(float[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    internal static double MaxAbs(float[] actual, float[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - (double)e)).Max();

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
