using DepthNode.Distill.Export;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using static DepthNode.Distill.Tests.Export.OnnxReference;

namespace DepthNode.Distill.Tests.Export;

/// <summary>Every operator emitter against the torch function it stands for, on a real NYU frame, through ONNX Runtime.</summary>
public class OnnxGraphBuilderOpsTests
{
    private const float Tight = 2e-5f;

    private static Tensor Image(int w = 40, int h = 30) => NyuImage(w, h);

    private static Tensor Seeded(long seed, params long[] shape)
    {
        using var g = new torch.Generator((ulong)seed);
        return torch.randn(shape, generator: g) * 0.3f;
    }

    /// <summary>A graph with one input "x" of dynamic spatial size, <paramref name="body"/> applied, output "y".</summary>
    private static Onnx.ModelProto Graph(Func<OnnxGraphBuilder, OnnxValue, OnnxValue> body, int channels = 3, int opset = 17,
        OnnxPrecision precision = OnnxPrecision.Float32)
    {
        var g = new OnnxGraphBuilder("op", precision, opset);
        var x = g.Input("x", 1, channels, "h", "w");
        g.Output(body(g, x), "y");
        return g.Build();
    }

    [Fact]
    public void Conv_StridedPaddedDilatedGrouped_MatchesTorchConv2d()
    {
        using var x = Image();
        using var w = Seeded(1, 6, 1, 3, 3);
        using var b = Seeded(2, 6);
        var model = Graph((g, v) => g.Conv(v, g.Weight("w", w), g.Weight("b", b), (3, 3), (2, 1), (2, 1), groups: 3, dilation: (2, 1)));

        using var expected = F.conv2d(x, w, b, strides: [2, 1], padding: [2, 1], dilation: [2, 1], groups: 3);
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < Tight, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void ConvTranspose_Stride2WithOutputPadding_MatchesTorchConvTranspose2d()
    {
        using var x = Image();
        using var w = Seeded(3, 3, 4, 3, 3);
        using var b = Seeded(4, 4);
        var model = Graph((g, v) => g.ConvTranspose(v, g.Weight("w", w), g.Weight("b", b), (3, 3), (2, 2), (1, 1), (1, 1)));

        using var expected = F.conv_transpose2d(x, w, b, strides: [2, 2], padding: [1, 1], output_padding: [1, 1]);
        using var actual = Run(model, ("x", x));

        Assert.Equal(new long[] { 1, 4, 60, 80 }, actual.shape);
        Assert.True(MaxAbsDiff(actual, expected) < Tight);
    }

    [Fact]
    public void BatchNormalization_RunningStatistics_MatchesTorchBatchNormEval()
    {
        using var x = Image();
        using var mean = torch.tensor(new[] { 0.4f, 0.5f, 0.3f });
        using var variance = torch.tensor(new[] { 0.05f, 0.2f, 0.01f });
        using var scale = torch.tensor(new[] { 1.5f, -0.7f, 0.9f });
        using var shift = torch.tensor(new[] { 0.1f, 0.2f, -0.3f });
        var model = Graph((g, v) => g.BatchNormalization(v, g.Weight("s", scale), g.Weight("b", shift), g.Weight("m", mean), g.Weight("v", variance)));

        using var expected = F.batch_norm(x, mean, variance, scale, shift, training: false, eps: 1e-5);
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < Tight);
    }

    [Fact]
    public void LayerNormalization_LastAxisEps1e6_MatchesTorchLayerNorm()
    {
        using var x = Image(48, 30);
        using var w = Seeded(5, 48) + 1;
        using var b = Seeded(6, 48);
        var model = Graph((g, v) => g.LayerNormalization(v, g.Weight("w", w), g.Weight("b", b), 1e-6f));

        using var expected = F.layer_norm(x, [48], w, b, 1e-6);
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < 1e-4f, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Theory]
    [InlineData(17)]
    [InlineData(20)]
    public void Gelu_Opset_MatchesExactErfGeluNotTanhApproximation(int opset)
    {
        // Spread the pixel values over [-4, 4], where exact and tanh GELU differ by up to ~5e-4.
        using var x = Image() * 8 - 4;
        var model = Graph((g, v) => g.Gelu(v), opset: opset);

        using var expected = F.gelu(x);
        using var tanhApprox = 0.5f * x * (1 + torch.tanh(MathF.Sqrt(2 / MathF.PI) * (x + 0.044715f * x.pow(3))));
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < 2e-6f, $"max |diff| {MaxAbsDiff(actual, expected)}");
        Assert.True(MaxAbsDiff(actual, tanhApprox) > 1e-4f);
    }

    [Fact]
    public void ReluClipSoftmaxArithmetic_Chained_MatchTorch()
    {
        using var x = Image() * 10 - 3;
        var model = Graph((g, v) =>
        {
            var a = g.Relu(g.Sub(v, g.Constant(2f)));
            var b = g.Clip(g.Mul(v, g.Constant(1.5f)), 0, 6);
            var c = g.Softmax(g.Div(v, g.Constant(3f)), axis: 3);
            return g.Add(g.Add(a, b), g.Sigmoid(c));
        });

        using var expected = F.relu(x - 2) + F.relu6(x * 1.5f) + torch.sigmoid(F.softmax(x / 3, 3));
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < Tight);
    }

    [Fact]
    public void MatMulGemmLinear_OnPatchTokens_MatchTorchLinearAndMatmul()
    {
        using var x = Image(8, 6);                       // tokens: [1, 48, 3] after flatten+transpose
        using var w = Seeded(7, 5, 3);
        using var bias = Seeded(8, 5);
        using var w2 = Seeded(9, 5, 3);
        var model = Graph((g, v) =>
        {
            var tokens = g.Transpose(g.Reshape(v, 0, 3, -1), 0, 2, 1);              // [1, 48, 3]
            using var wt = w.t();
            var lin = g.Linear(tokens, g.Weight("w_t", wt), g.Weight("b", bias));    // [1, 48, 5]
            var gemm = g.Gemm(g.Reshape(tokens, -1, 3), g.Weight("w2", w2), g.Weight("b2", bias)); // [48, 5]
            var attn = g.MatMul(lin, g.Transpose(lin, 0, 2, 1));                   // [1, 48, 48]
            return g.Add(g.MatMul(attn, lin), g.Unsqueeze(gemm, 0));
        });

        using var tokensT = x.reshape(1, 3, -1).permute(0, 2, 1);
        using var lin = F.linear(tokensT, w, bias);
        using var gemm = F.linear(tokensT.reshape(-1, 3), w2, bias);
        using var expected = torch.matmul(torch.matmul(lin, lin.transpose(1, 2)), lin) + gemm.unsqueeze(0);
        using var actual = Run(model, ("x", x));

        Assert.True(RelativeL2(actual, expected) < 1e-6, $"rel L2 {RelativeL2(actual, expected)}");
    }

    [Fact]
    public void ShapeGatherSliceConcat_DynamicSize_FollowInputOfAnySize()
    {
        // Crop the top-left quarter using sizes read from the input's own shape, then concat it with a strided slice:
        // the same graph must follow two different input sizes.
        var model = Graph((g, v) =>
        {
            var hw = g.Shape(v, 2, 4);
            var half = g.Div(hw, g.Int64s(2, 2));
            var h = g.Gather(half, g.Int64Scalar(0));
            var quarter = g.Slice(v, g.Int64s(0, 0), half, g.Int64s(2, 3));
            var strided = g.Slice(v, [0, 0], [long.MaxValue, long.MaxValue], [2, 3], [2, 2]);
            var both = g.Concat(1, quarter, strided);
            return g.Reshape(both, g.Concat(0, g.Int64s(1, 6), g.Unsqueeze(h, 0), g.Int64s(-1)));
        });

        foreach (var (w, h) in new[] { (40, 30), (56, 22) })
        {
            using var x = Image(w, h);
            using var expected = torch.cat([x[.., .., ..(h / 2), ..(w / 2)], x[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)]], 1)
                .reshape(1, 6, h / 2, -1);
            using var actual = Run(model, ("x", x));
            Assert.Equal(0f, MaxAbsDiff(actual, expected));
        }
    }

    [Fact]
    public void ErfSqrtGatherSqueeze_MatchTorchIndexSelectAndSqueeze()
    {
        using var x = Image();
        var model = Graph((g, v) =>
        {
            var picked = g.Gather(v, g.Int64s(2, 0), axis: 1);                 // channels B, R
            var first = g.Squeeze(g.Slice(picked, [0], [1], [1]), 1);           // [1, h, w]
            return g.Add(g.Erf(g.Sub(picked, g.Constant(0.5f))), g.Unsqueeze(g.Sqrt(first), 1));
        });

        using var picked = x.index_select(1, torch.tensor(new long[] { 2, 0 }));
        using var expected = torch.special.erf(picked - 0.5f) + picked[.., 0..1].squeeze(1).sqrt().unsqueeze(1);
        using var actual = Run(model, ("x", x));

        Assert.True(MaxAbsDiff(actual, expected) < 2e-6f, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void ResizeCubic_NonIntegerScales_MatchesTorchBicubicScaleFactor()
    {
        // The DINOv2 position-embedding interpolation: scale (n + 0.1) / 37, align_corners False, no antialias.
        using var x = Image(37, 37);
        var (sh, sw) = ((23 + 0.1) / 37, (87 + 0.1) / 37);
        var model = Graph((g, v) => g.ResizeCubic(v, (float)sh, (float)sw));

        using var expected = F.interpolate(x, scale_factor: [sh, sw], mode: InterpolationMode.Bicubic, align_corners: false);
        using var actual = Run(model, ("x", x));

        Assert.Equal(new long[] { 1, 3, 23, 87 }, actual.shape);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-5f, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void ResizeCubic_ScalesComputedFromTheInput_MatchesTorchBicubic()
    {
        // Scales computed in the graph from a dynamic size: (h + 0.1) / 37 with h read from a second input.
        var g = new OnnxGraphBuilder("op");
        var grid = g.Input("grid", 1, 3, 37, 37);
        var target = g.Input("target", 1, 1, "h", "w");
        var hw = g.Cast(g.Shape(target, 2, 4), OnnxTensors.Float);
        var scales = g.Div(g.Add(hw, g.Float32s(0.1f)), g.Float32s(37f));
        g.Output(g.ResizeCubic(grid, scales), "y");
        var model = g.Build();

        using var x = Image(37, 37);
        using var t = torch.zeros(1, 1, 16, 53);
        using var expected = F.interpolate(x, scale_factor: [(16 + 0.1) / 37, (53 + 0.1) / 37], mode: InterpolationMode.Bicubic, align_corners: false);
        using var actual = Run(model, ("grid", x), ("target", t));

        Assert.Equal(new long[] { 1, 3, 16, 53 }, actual.shape);
        Assert.True(MaxAbsDiff(actual, expected) < 1e-5f, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void ResizeLinearAlignCorners_SizeFromAnotherTensor_MatchesTorchBilinearAlignCorners()
    {
        var g = new OnnxGraphBuilder("op");
        var x = g.Input("x", 1, 3, "h", "w");
        var like = g.Input("like", 1, 1, "H", "W");
        g.Output(g.ResizeLinearAlignCorners(x, g.Shape(like, 2, 4)), "y");
        var model = g.Build();

        using var img = Image(20, 15);
        using var t = torch.zeros(1, 1, 43, 71);
        using var expected = F.interpolate(img, size: [43, 71], mode: InterpolationMode.Bilinear, align_corners: true);
        using var actual = Run(model, ("x", img), ("like", t));

        Assert.True(MaxAbsDiff(actual, expected) < 1e-5f, $"max |diff| {MaxAbsDiff(actual, expected)}");
    }

    [Fact]
    public void ResizeNearest_Scale2_MatchesTorchNearestUpsampling()
    {
        using var x = Image(15, 11);
        var model = Graph((g, v) => g.ResizeNearest(v, 2, 2));

        using var expected = F.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Nearest);
        using var actual = Run(model, ("x", x));

        Assert.Equal(0f, MaxAbsDiff(actual, expected));
    }

    [Fact]
    public void Float16_ViTAndDptOperators_RunInOnnxRuntimeWithinHalfPrecisionError()
    {
        // The operators a ViT/DPT export needs, in float16 mode: ONNX Runtime's CPU provider must accept the graph
        // (it inserts casts where it has no half kernel) and stay within half-precision error of torch float32.
        using var x = Image(28, 14);
        using var lnW = Seeded(11, 28) + 1;
        using var lnB = Seeded(12, 28);
        using var upW = Seeded(13, 3, 3, 2, 2);
        var model = Graph((g, v) =>
        {
            var n = g.LayerNormalization(v, g.Weight("ln.w", lnW), g.Weight("ln.b", lnB), 1e-6f);
            var attn = g.Softmax(g.Mul(g.MatMul(n, g.Transpose(n, 0, 1, 3, 2)), g.Constant(0.125f)));
            var y = g.Gelu(g.MatMul(attn, n));
            var up = g.ConvTranspose(y, g.Weight("up.w", upW), null, (2, 2), (2, 2), (0, 0));
            var cubic = g.ResizeCubic(up, 0.5f, 0.5f);
            return g.ResizeLinearAlignCorners(cubic, g.Int64s(20, 40));
        }, precision: OnnxPrecision.Float16);

        using var n = F.layer_norm(x, [28], lnW, lnB, 1e-6);
        using var attn = F.softmax(torch.matmul(n, n.transpose(2, 3)) * 0.125f, -1);
        using var y = F.gelu(torch.matmul(attn, n));
        using var up = F.conv_transpose2d(y, upW, strides: [2, 2]);
        using var cubic = F.interpolate(up, scale_factor: [0.5, 0.5], mode: InterpolationMode.Bicubic, align_corners: false);
        using var expected = F.interpolate(cubic, size: [20, 40], mode: InterpolationMode.Bilinear, align_corners: true);
        using var actual = Run(model, ("x", x));

        var rel = RelativeL2(actual, expected);
        Assert.True(rel is > 1e-5 and < 5e-3, $"rel L2 {rel}");
    }

    [Fact]
    public void Float16_ConvGelu_KeepsFloat32IoAndStaysWithinHalfPrecisionError()
    {
        using var x = Image();
        using var w = Seeded(10, 8, 3, 3, 3);
        var model = Graph((g, v) => g.Gelu(g.Conv(v, g.Weight("w", w), null, (3, 3), (1, 1), (1, 1))), precision: OnnxPrecision.Float16);

        using var expected = F.gelu(F.conv2d(x, w, padding: [1, 1]));
        using var actual = Run(model, ("x", x));

        Assert.Equal(Onnx.TensorProto.Types.DataType.Float16, (Onnx.TensorProto.Types.DataType)model.Graph.Initializer.Single(i => i.Name == "w").DataType);
        Assert.Equal(1, model.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal(1, model.Graph.Output[0].Type.TensorType.ElemType);
        var rel = RelativeL2(actual, expected);
        Assert.True(rel is > 1e-5 and < 2e-3, $"rel L2 {rel}");
    }
}
