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

    private static bool IsNormWeight(string key) => key.EndsWith("norm1.weight") || key.EndsWith("norm2.weight") || key == "pretrained.norm.weight";
}
