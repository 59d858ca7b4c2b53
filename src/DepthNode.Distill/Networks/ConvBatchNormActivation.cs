using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>The activation after a convolution's batch norm.</summary>
public enum ConvActivation { Relu, Relu6 }

/// <summary>
/// Convolution (no bias, "same" padding) → batch norm → ReLU or ReLU6: the unit every MobileNet and NNConv5 layer is
/// made of. Parameters: <c>conv.weight</c>, <c>bn.weight</c>, <c>bn.bias</c>, <c>bn.running_mean</c>, <c>bn.running_var</c>.
/// </summary>
public sealed class ConvBatchNormActivation : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names (conv.weight, bn.running_mean, ...).
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public ConvBatchNormActivation(long inChannels, long outChannels, int kernel, int stride, bool depthwise, ConvActivation activation)
        : base(nameof(ConvBatchNormActivation))
    {
        if (depthwise && inChannels != outChannels) throw new ArgumentException($"a depthwise convolution keeps its channels ({inChannels} → {outChannels})");
        (InChannels, OutChannels, Kernel, Stride, Groups, Activation) = (inChannels, outChannels, kernel, stride, depthwise ? inChannels : 1, activation);
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: kernel / 2, groups: Groups, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: BatchNormEpsilon);
        RegisterComponents();
    }

    /// <summary>PyTorch's default, the value FastDepth was trained with.</summary>
    public const float BatchNormEpsilon = 1e-5f;

    public long InChannels { get; }
    public long OutChannels { get; }
    public int Kernel { get; }
    public int Stride { get; }
    public long Groups { get; }
    public ConvActivation Activation { get; }

    public Conv2d Conv => conv;
    public BatchNorm2d BatchNorm => bn;

    public override Tensor forward(Tensor x)
    {
        using var c = conv.forward(x);
        using var b = bn.forward(c);
        return Activation == ConvActivation.Relu6 ? nn.functional.relu6(b) : nn.functional.relu(b);
    }

    public OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x)
    {
        var pad = Kernel / 2;
        var c = g.Conv(x, g.Parameter("conv.weight", conv.weight!), null, (Kernel, Kernel), (Stride, Stride), (pad, pad), (int)Groups);
        var b = g.BatchNormalization(c, g.Parameter("bn.weight", bn.weight!), g.Parameter("bn.bias", bn.bias!),
            g.Parameter("bn.running_mean", bn.running_mean!), g.Parameter("bn.running_var", bn.running_var!), BatchNormEpsilon);
        return Activation == ConvActivation.Relu6 ? g.Clip(b, 0, 6) : g.Relu(b);
    }
}

/// <summary>
/// MobileNet's depthwise separable convolution: a per-channel k×k <c>depthwise</c> unit, then a 1×1 <c>pointwise</c>
/// unit mixing channels (Howard et al. 2017). FastDepth's encoder uses 3×3 with ReLU6, its NNConv5 decoder 5×5 with ReLU.
/// </summary>
public sealed class DepthwiseSeparableConv : nn.Module<Tensor, Tensor>
{
    private readonly ConvBatchNormActivation depthwise;
    private readonly ConvBatchNormActivation pointwise;

    public DepthwiseSeparableConv(long inChannels, long outChannels, int kernel, int stride, ConvActivation activation)
        : base(nameof(DepthwiseSeparableConv))
    {
        depthwise = new ConvBatchNormActivation(inChannels, inChannels, kernel, stride, depthwise: true, activation);
        pointwise = new ConvBatchNormActivation(inChannels, outChannels, 1, 1, depthwise: false, activation);
        RegisterComponents();
    }

    public ConvBatchNormActivation Depthwise => depthwise;
    public ConvBatchNormActivation Pointwise => pointwise;

    public override Tensor forward(Tensor x)
    {
        using var d = depthwise.forward(x);
        return pointwise.forward(d);
    }

    public OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x)
    {
        OnnxValue d;
        using (g.Scope("depthwise")) d = depthwise.EmitOnnx(g, x);
        using (g.Scope("pointwise")) return pointwise.EmitOnnx(g, d);
    }
}
