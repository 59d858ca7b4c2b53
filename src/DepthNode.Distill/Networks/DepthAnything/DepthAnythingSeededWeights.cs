using static TorchSharp.torch;

namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// Seeded random weights that give a usable (if meaningless) disparity map. The default initialisation leaves the
/// pre-activation of the final ReLU negative almost everywhere, so the exported network outputs zeros and the node
/// drops every frame as unusable; a network exported without weights is meant to exercise the whole path.
/// </summary>
public static class DepthAnythingSeededWeights
{
    /// <summary>The last 1×1 convolution, whose output goes through the final ReLU.</summary>
    public const string OutputConvolution = "depth_head.scratch.output_conv2.2";

    /// <summary>
    /// A network drawn from <c>torch.manual_seed(seed)</c>, scattered, then calibrated so that on a smooth test
    /// image the disparity has mean 1 and standard deviation 0.25 (before the ReLU, which then passes nearly all of it).
    /// </summary>
    public static DepthAnythingNetwork Create(DepthAnythingSize size, long seed)
    {
        manual_seed(seed);
        var network = new DepthAnythingNetwork(size);
        network.eval();
        Scatter(network);
        using var image = CalibrationImage();
        Calibrate(network, image, mean: 1f, std: 0.25f);
        return network;
    }

    /// <summary>
    /// Makes every parameter matter: the default initialisation leaves LayerNorm gains at 1, biases and LayerScale
    /// near constant, so a swapped norm or a dropped bias would go unseen. Gains scatter around 1, biases around 0,
    /// LayerScale lies in [0.3, 1.3].
    /// </summary>
    public static void Scatter(DepthAnythingNetwork network)
    {
        using var noGrad = no_grad();
        foreach (var (key, p) in network.state_dict())
        {
            if (key.EndsWith(".gamma")) p.copy_(rand(p.shape) + 0.3);
            else if (IsNormWeight(key)) p.copy_(1 + 0.2 * randn(p.shape));
            else if (key.EndsWith(".bias")) p.copy_(0.05 * randn(p.shape));
            else if (key == "pretrained.cls_token") p.copy_(0.5 * randn(p.shape));
        }
    }

    /// <summary>
    /// Rescales the last 1×1 convolution so that, on <paramref name="image"/>, the output before the final ReLU has
    /// the given mean and standard deviation. Random weights otherwise give a nearly constant map (std ~0.5 % of its
    /// mean) centred wherever the last bias happens to put it.
    /// </summary>
    public static void Calibrate(DepthAnythingNetwork network, Tensor image, float mean, float std)
    {
        using var noGrad = no_grad();
        var weight = network.state_dict()[OutputConvolution + ".weight"];
        var bias = network.state_dict()[OutputConvolution + ".bias"];
        // With a large bias the final ReLU passes everything: output − bias is the pre-activation.
        const float lift = 1000f;
        bias.fill_(lift);
        using var lifted = network.forward(image);
        using var pre = lifted - lift;
        var preMean = pre.mean().item<float>();
        var scale = std / pre.std().item<float>();
        weight.mul_(scale);
        bias.fill_(mean - preMean * scale);
    }

    /// <summary>A normalised 224×224 image, bright above and dark below with a horizontal ramp, like a road scene.</summary>
    private static Tensor CalibrationImage()
    {
        using var scope = NewDisposeScope();
        var rows = linspace(1.5, -1.5, 224).reshape(1, 1, 224, 1);
        var columns = linspace(-0.5, 0.5, 224).reshape(1, 1, 1, 224);
        var tint = tensor(new[] { 0.1f, 0f, -0.1f }).reshape(1, 3, 1, 1);
        return (rows + columns + tint).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    private static bool IsNormWeight(string key) => key.EndsWith("norm1.weight") || key.EndsWith("norm2.weight") || key == "pretrained.norm.weight";
}
