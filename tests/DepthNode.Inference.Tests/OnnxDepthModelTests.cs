using DepthNode.Imaging;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Inference.Tests;

public class OnnxDepthModelTests
{
    internal static ModelCard FastDepthCard() => ModelCard.Load(CheckoutModels.DefaultCardPath);

    [Fact]
    public void DefaultProviderOrder_OnCpuBuild_FallsBackToCpuAndLogsEveryStep()
    {
        var log = new List<string>();
        using var model = new OnnxDepthModel(FastDepthCard(), new OnnxModelOptions { WarmupRuns = 1 }, log.Add);
        Assert.Equal("CPUExecutionProvider", model.Provider);
        Assert.Contains(log, l => l.Contains("TensorrtExecutionProvider") && l.Contains("falling back"));
        Assert.Contains(log, l => l.Contains("CUDAExecutionProvider") && l.Contains("falling back"));
        Assert.Contains(log, l => l.StartsWith("execution provider: CPUExecutionProvider", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("1 warm-up runs"));
    }

    [Fact]
    public void Run_OnRealNyuFrame_MatchesPlainInferenceSession()
    {
        var card = FastDepthCard();
        using var model = new OnnxDepthModel(card, OnnxModelOptions.CpuOnly(1));
        using var bgr = Cv2.ImRead(SharedData.Path("data", "nyu", "rgb_00050.jpg"));
        var pre = new ImagePreprocessor(card.Input);
        var size = model.InputSizeFor(bgr.Width, bgr.Height);
        Assert.Equal(new TensorSize(224, 224), size);
        var input = model.GetInputBuffer(size);
        pre.Run(ViewOf(bgr), input, size);
        var copy = input.ToArray();
        var ours = model.Run().Values.ToArray();

        // Independent path: ONNX Runtime's plain Run API with a managed tensor.
        using var session = new InferenceSession(card.ModelPath);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("0", new DenseTensor<float>(copy, [1, 3, 224, 224]))]);
        var reference = results[0].AsEnumerable<float>().ToArray();
        Assert.Equal(224 * 224, ours.Length);
        for (var i = 0; i < ours.Length; i++) Assert.True(Math.Abs(ours[i] - reference[i]) <= 1e-4f * Math.Max(1, Math.Abs(reference[i])), $"pixel {i}: {ours[i]} vs {reference[i]}");
        Assert.InRange(ours.Average(), 0.5, 10); // metres, an indoor room
    }

    [Fact]
    public void SteadyState_PreprocessRunResample_AllocatesNothing()
    {
        var card = FastDepthCard();
        using var model = new OnnxDepthModel(card, OnnxModelOptions.CpuOnly(1));
        using var bgr = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "rgb", "0000000005.png"));
        var pre = new ImagePreprocessor(card.Input);
        var resampler = new DepthOutputResampler();
        var depth = new float[bgr.Width * bgr.Height];
        void Frame()
        {
            var size = model.InputSizeFor(bgr.Width, bgr.Height);
            pre.Run(ViewOf(bgr), model.GetInputBuffer(size), size);
            var o = model.Run();
            resampler.Run(o.Values, o.Width, o.Height, depth, bgr.Width, bgr.Height);
        }
        for (var i = 0; i < 3; i++) Frame();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) Frame();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(depth, d => Assert.True(float.IsFinite(d)));
    }

    [Fact]
    public void NaNInput_GivesNaNDepthCounted_AndNextFrameWorks()
    {
        var card = FastDepthCard();
        using var model = new OnnxDepthModel(card, OnnxModelOptions.CpuOnly(1));
        var resampler = new DepthOutputResampler();
        var depth = new float[640 * 480];
        var size = model.InputSizeFor(640, 480);
        var input = model.GetInputBuffer(size);
        input.Fill(float.NaN);
        var o = model.Run();
        var counts = resampler.Run(o.Values, o.Width, o.Height, depth, 640, 480);
        Assert.True(counts.NonFiniteInputs > 0, "a NaN input tensor should give non-finite network output");
        Assert.Equal(depth.Count(float.IsNaN), counts.NaNOutputs);
        Assert.True(counts.NaNOutputs > 0);

        using var bgr = Cv2.ImRead(SharedData.Path("data", "nyu", "rgb_00000.jpg"));
        new ImagePreprocessor(card.Input).Run(ViewOf(bgr), model.GetInputBuffer(size), size);
        o = model.Run();
        counts = resampler.Run(o.Values, o.Width, o.Height, depth, 640, 480);
        Assert.Equal(new ResampleCounts(0, 0), counts);
    }

    [Fact]
    public void CardSayingOtherFixedSize_IsRefusedNamingBothShapes_AndCorrectCardStillRuns()
    {
        var card = FastDepthCard();
        var wrong = card with { Input = card.Input with { Size = SizePolicy.Fixed(256, 256) } };
        var e = Assert.Throws<ModelCardException>(() => new OnnxDepthModel(wrong, OnnxModelOptions.CpuOnly(1)));
        Assert.Equal("input.size", e.Field);
        Assert.Contains("256x256", e.Message);
        Assert.Contains("[1,3,224,224]", e.Message);

        using var model = new OnnxDepthModel(card, OnnxModelOptions.CpuOnly(1));
        Assert.Equal(224 * 224, model.Run().Values.Length);
    }

    [Fact]
    public void CardSayingKeepAspect_ForFixedNetwork_IsRefused()
    {
        var card = FastDepthCard();
        var wrong = card with { Input = card.Input with { Size = new SizePolicy(true, 224, 224, 14, SizeBound.Lower, 0, 0) } };
        var e = Assert.Throws<ModelCardException>(() => new OnnxDepthModel(wrong, OnnxModelOptions.CpuOnly(1)));
        Assert.Equal("input.size.policy", e.Field);
    }

    [Fact]
    public void CardWithWrongTensorNames_IsRefusedListingTheRealOnes()
    {
        var card = FastDepthCard();
        var e = Assert.Throws<ModelCardException>(() => new OnnxDepthModel(card with { Input = card.Input with { Name = "pixel_values" } }, OnnxModelOptions.CpuOnly(1)));
        Assert.Contains("inputs: 0", e.Message);
        e = Assert.Throws<ModelCardException>(() => new OnnxDepthModel(card with { Output = card.Output with { Name = "predicted_depth" } }, OnnxModelOptions.CpuOnly(1)));
        Assert.Contains("outputs: 350", e.Message);
    }

    [Fact]
    public void CardWithWrongSha256_IsRefused()
    {
        var card = FastDepthCard() with { Sha256 = new string('0', 64) };
        var e = Assert.Throws<ModelCardException>(() => new OnnxDepthModel(card, OnnxModelOptions.CpuOnly(1)));
        Assert.Contains(ModelStore.DefaultModelSha256, e.Message);
    }

    internal static ImageView ViewOf(Mat bgr)
    {
        var len = checked((int)(bgr.Step() * bgr.Rows));
        unsafe { return ImageView.Create("bgr8", bgr.Cols, bgr.Rows, bgr.Step(), false, new ReadOnlySpan<byte>((void*)bgr.Data, len)); }
    }
}
