using DepthNode.Distill.Frames;
using DepthNode.Distill.Teachers;
using DepthNode.Distill.Training;
using DepthNode.Inference;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Teachers;

public sealed class TeacherTests
{
    /// <summary>The reference: OpenCV crops and area-resizes the BGR frame, ONNX Runtime runs fastdepth_7.onnx, 1/depth.</summary>
    private static float[] ReferenceDisparity(Mat bgr, SquareBox box)
    {
        using var crop = new Mat(bgr, new Rect(box.X, box.Y, box.Side, box.Side));
        using var small = crop.Resize(new Size(224, 224), 0, 0, InterpolationFlags.Area);
        small.GetArray(out Vec3b[] px);
        var input = new DenseTensor<float>([1, 3, 224, 224]);
        for (var i = 0; i < px.Length; i++)
            for (var c = 0; c < 3; c++) input.Buffer.Span[c * px.Length + i] = px[i][2 - c] / 255f;
        using var session = new InferenceSession(CheckoutModels.DefaultModelPath);
        using var output = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input)]);
        return output.First().AsEnumerable<float>().Select(d => d > 0 ? 1f / d : float.NaN).ToArray();
    }

    private static double RelativeL2(float[] a, float[] b) =>
        Math.Sqrt(a.Zip(b).Sum(p => Math.Pow(p.First - p.Second, 2)) / b.Sum(v => (double)v * v));

    [Fact]
    public void Label_FastDepthOnnxOnARealFrame_CropAndPatchDisparityEqualOpenCvPlusOnnxRuntime()
    {
        var file = SharedData.Path("data", "nyu", "rgb_00050.jpg");
        using var set = FrameSet.Open([], [new FolderFrames(Path.GetDirectoryName(file)!, "rgb_00050.jpg")]);
        var spec = new TeacherSpec("fastdepth", 1, CheckoutModels.DefaultModelPath, null, null, null, false);
        using var teacher = Teacher.Load(spec, _ => { });
        var sample = new CrossContextSample(new SquareBox(100, 20, 400), [new SquareBox(176, 176, 224)]);

        var maps = teacher.Label(set.Load(0), sample);

        using var bgr = Cv2.ImRead(file, ImreadModes.Color);
        Assert.Equal(2, maps.Count);
        Assert.Equal((224, 224), (maps[0].Height, maps[0].Width));
        // The crop is shrunk 400 → 224 by the node's area filter vs OpenCV's INTER_AREA: close, not bit-equal.
        Assert.True(RelativeL2(maps[0].Values, ReferenceDisparity(bgr, sample.Crop)) < 2e-3);
        // The patch is seen 1:1 (224 native pixels): the same input tensor, the same numbers.
        Assert.True(RelativeL2(maps[1].Values, ReferenceDisparity(bgr, sample.PatchInFrame(0))) < 1e-5);
    }

    [Fact]
    public void ToDisparity_EachOutputKind_DepthInvertedDisparityKeptInvalidNaN()
    {
        float[] depth = [2f, 0.5f, 0f, -1f, float.PositiveInfinity];
        Teacher.ToDisparity(depth, DepthOutputKind.MetricDepth);
        Assert.Equal([0.5f, 2f, float.NaN, float.NaN, float.NaN], depth);
        float[] relative = [4f, float.NaN];
        Teacher.ToDisparity(relative, DepthOutputKind.RelativeDepth);
        Assert.Equal([0.25f, float.NaN], relative);
        float[] disparity = [3f, 0f, -2f];
        Teacher.ToDisparity(disparity, DepthOutputKind.RelativeDisparity);
        Assert.Equal([3f, 0f, -2f], disparity);
    }
}
