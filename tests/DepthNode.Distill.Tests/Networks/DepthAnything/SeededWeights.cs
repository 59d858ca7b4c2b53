using DepthNode.Distill.Networks.DepthAnything;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

/// <summary>
/// Seeded random weights in which every parameter matters: the default initialisation leaves LayerNorm gains at 1,
/// biases and LayerScale near constant, so a swapped norm or a dropped bias would go unseen. Here gains scatter
/// around 1, biases around 0, LayerScale in [0.3, 1.3], and the last bias is positive so that the final ReLU keeps
/// most pixels alive (a zero map compares equal to anything). libtorch's generator is global and tests run in
/// parallel, so the same seed need not give the same weights twice: tests compare with the weights they saved.
/// </summary>
internal static class SeededWeights
{
    public static DepthAnythingNetwork Small(int seed)
    {
        manual_seed(seed);
        var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        using var noGrad = no_grad();
        foreach (var (key, p) in network.state_dict())
        {
            if (key.EndsWith(".gamma")) p.copy_(rand(p.shape) + 0.3);
            else if (IsNormWeight(key)) p.copy_(1 + 0.2 * randn(p.shape));
            else if (key.EndsWith(".bias") || IsNormWeight(key)) p.copy_(0.05 * randn(p.shape));
            else if (key == "pretrained.cls_token") p.copy_(0.5 * randn(p.shape));
        }
        network.state_dict()["depth_head.scratch.output_conv2.2.bias"].fill_(1.0);
        return network;
    }

    /// <summary>
    /// Rescales the last 1×1 convolution so that, on <paramref name="image"/>, the output before the final ReLU has
    /// mean ≈ 1 and standard deviation ≈ 1. Random weights otherwise give a nearly constant map (std ~0.5 % of its
    /// mean), in which relative L2 would hide any error in the network's spatial signal.
    /// </summary>
    public static void NormaliseOutput(DepthAnythingNetwork network, Tensor image)
    {
        using var noGrad = no_grad();
        var weight = network.state_dict()["depth_head.scratch.output_conv2.2.weight"];
        var bias = network.state_dict()["depth_head.scratch.output_conv2.2.bias"];
        // With a large bias the final ReLU passes everything: output − bias is the pre-activation.
        const float lift = 1000f;
        bias.fill_(lift);
        using var lifted = network.forward(image);
        using var pre = lifted - lift;
        var mean = pre.mean().item<float>();
        var scale = 1f / pre.std().item<float>();
        weight.mul_(scale);
        bias.fill_(1f - mean * scale);
    }

    private static bool IsNormWeight(string key) => key.EndsWith("norm1.weight") || key.EndsWith("norm2.weight") || key == "pretrained.norm.weight";
}
