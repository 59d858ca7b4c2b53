using DepthNode.Distill.Networks.DepthAnything;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

/// <summary>
/// Seeded random weights in which every parameter matters (<see cref="DepthAnythingSeededWeights.Scatter"/>), and the
/// last bias positive so that the final ReLU keeps most pixels alive (a zero map compares equal to anything).
/// libtorch's generator is global and tests run in parallel, so the same seed need not give the same weights twice:
/// tests compare with the weights they saved.
/// </summary>
internal static class SeededWeights
{
    public static DepthAnythingNetwork Small(int seed)
    {
        manual_seed(seed);
        var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        DepthAnythingSeededWeights.Scatter(network);
        using (no_grad()) network.state_dict()[DepthAnythingSeededWeights.OutputConvolution + ".bias"].fill_(1.0);
        return network;
    }

    /// <summary>
    /// Output before the final ReLU with mean ≈ 1 and standard deviation ≈ 1 on <paramref name="image"/>: random
    /// weights otherwise give a nearly constant map, in which relative L2 would hide any error in the spatial signal.
    /// </summary>
    public static void NormaliseOutput(DepthAnythingNetwork network, Tensor image) =>
        DepthAnythingSeededWeights.Calibrate(network, image, mean: 1f, std: 1f);
}
