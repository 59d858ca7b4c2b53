using DepthNode.Distill.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// Channel widths of a FastDepth network: the 14 MobileNet encoder layers (a full 3×3 convolution, then 13 depthwise
/// separable ones) and the 5 NNConv5 decoder stages. NetAdapt pruning changes only these numbers.
/// </summary>
public sealed record FastDepthWidths(int[] Encoder, int[] Decoder)
{
    /// <summary>MobileNet 1.0 with FastDepth's decoder, before pruning (Wofk et al., ICRA 2019, Fig. 2).</summary>
    public static FastDepthWidths MobileNet { get; } = new([32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024], [512, 256, 128, 64, 32]);

    /// <summary>The NetAdapt-pruned network trained on NYU Depth v2 (the installed <c>fastdepth_7.onnx</c>).</summary>
    public static FastDepthWidths NyuPruned { get; } = new([16, 56, 88, 120, 144, 256, 408, 376, 272, 288, 296, 328, 480, 512], [200, 256, 120, 56, 16]);

    /// <summary>MobileNet's strides: the encoder halves the input five times (224 → 7).</summary>
    public static IReadOnlyList<int> EncoderStrides { get; } = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];

    public bool Equals(FastDepthWidths? other) => other is not null && Encoder.SequenceEqual(other.Encoder) && Decoder.SequenceEqual(other.Decoder);
    public override int GetHashCode() => HashCode.Combine(Encoder.Length, Decoder.Length, Encoder[^1], Decoder[^1]);
    public override string ToString() => $"encoder [{string.Join(",", Encoder)}], decoder [{string.Join(",", Decoder)}]";
}

/// <summary>
/// FastDepth (Wofk, Ma, Yang, Karaman, Sze, "FastDepth: Fast Monocular Depth Estimation on Embedded Systems", ICRA
/// 2019): a MobileNet <c>encoder</c>, an NNConv5 <c>decoder</c> (5×5 depthwise separable convolution, then ×2 nearest
/// upsampling, five times) with additive skips from encoder layers 1, 3 and 5 into decoder stages 4, 3 and 2, and a 1×1
/// <c>head</c> to one channel of metres (after ReLU). Input: RGB in [0, 1], 224×224.
/// </summary>
public sealed class FastDepthNet : nn.Module<Tensor, Tensor>, IOnnxExportable, IEncoderFeatures
{
    /// <summary>Encoder layer whose output is added after decoder stage <c>key</c> (0-based): stage 1 ← layer 5,
    /// stage 2 ← layer 3, stage 3 ← layer 1 (the resolutions match: 28, 56, 112 for a 224 input).</summary>
    private static readonly Dictionary<int, int> SkipFrom = new() { [1] = 5, [2] = 3, [3] = 1 };

    private readonly ModuleList<nn.Module<Tensor, Tensor>> encoder = new();
    private readonly ModuleList<DepthwiseSeparableConv> decoder = new();
    private readonly ConvBatchNormActivation head;

    public FastDepthNet(FastDepthWidths widths) : base(nameof(FastDepthNet))
    {
        if (widths.Encoder.Length != 14 || widths.Decoder.Length != 5)
            throw new ArgumentException($"FastDepth has 14 encoder and 5 decoder widths, got {widths}");
        Widths = widths;
        var e = widths.Encoder;
        encoder.Add(new ConvBatchNormActivation(3, e[0], 3, FastDepthWidths.EncoderStrides[0], depthwise: false, ConvActivation.Relu6));
        for (var i = 1; i < 14; i++)
            encoder.Add(new DepthwiseSeparableConv(e[i - 1], e[i], 3, FastDepthWidths.EncoderStrides[i], ConvActivation.Relu6));
        var channels = (long)e[^1];
        for (var i = 0; i < 5; i++)
        {
            decoder.Add(new DepthwiseSeparableConv(channels, widths.Decoder[i], 5, 1, ConvActivation.Relu));
            channels = widths.Decoder[i];
            if (SkipFrom.TryGetValue(i, out var layer) && e[layer] != channels)
                throw new ArgumentException($"FastDepth skip: encoder layer {layer} has {e[layer]} channels but decoder stage {i} has {channels}");
        }
        head = new ConvBatchNormActivation(channels, 1, 1, 1, depthwise: false, ConvActivation.Relu);
        RegisterComponents();
    }

    public FastDepthWidths Widths { get; }

    /// <summary>Every convolution unit in forward order (encoder, decoder, head): 38 for FastDepth.</summary>
    public IEnumerable<ConvBatchNormActivation> Units()
    {
        foreach (var layer in encoder)
        {
            if (layer is ConvBatchNormActivation unit) yield return unit;
            else if (layer is DepthwiseSeparableConv dw) { yield return dw.Depthwise; yield return dw.Pointwise; }
        }
        foreach (var stage in decoder) { yield return stage.Depthwise; yield return stage.Pointwise; }
        yield return head;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Run(x, out _).MoveToOuterDisposeScope();
    }

    public long FeatureChannelDim => 1;

    public string FeatureLayer => $"encoder.13 output (MobileNet's last layer, {Widths.Encoder[^1]} channels at 1/32 of the input)";

    /// <summary>Depth and the last encoder layer's output [B, C, H/32, W/32] (after its ReLU6).</summary>
    public (Tensor Depth, Tensor Features) ForwardWithFeatures(Tensor x)
    {
        using var scope = NewDisposeScope();
        var depth = Run(x, out var features);
        return (depth.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
    }

    public Tensor EncoderFeatures(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in encoder) x = layer.forward(x);
        return x.MoveToOuterDisposeScope();
    }

    private Tensor Run(Tensor x, out Tensor features)
    {
        var skips = new Tensor[14];
        for (var i = 0; i < encoder.Count; i++) x = skips[i] = encoder[i].forward(x);
        features = skips[^1];
        for (var i = 0; i < decoder.Count; i++)
        {
            x = nn.functional.interpolate(decoder[i].forward(x), scale_factor: [2, 2], mode: InterpolationMode.Nearest);
            if (SkipFrom.TryGetValue(i, out var layer)) x = x + skips[layer];
        }
        return head.forward(x);
    }

    public OnnxValue EmitOnnx(OnnxGraphBuilder g, OnnxValue x)
    {
        var skips = new OnnxValue[14];
        for (var i = 0; i < encoder.Count; i++)
            using (g.Scope($"encoder.{i}"))
                x = skips[i] = encoder[i] switch
                {
                    ConvBatchNormActivation unit => unit.EmitOnnx(g, x),
                    DepthwiseSeparableConv dw => dw.EmitOnnx(g, x),
                    var m => throw new InvalidOperationException($"encoder layer {i} is a {m.GetType().Name}"),
                };
        for (var i = 0; i < decoder.Count; i++)
            using (g.Scope($"decoder.{i}"))
            {
                x = g.ResizeNearest(decoder[i].EmitOnnx(g, x), 2, 2);
                if (SkipFrom.TryGetValue(i, out var layer)) x = g.Add(x, skips[layer]);
            }
        using (g.Scope("head")) return head.EmitOnnx(g, x);
    }
}
