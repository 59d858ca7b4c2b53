using DepthNode.Distill.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training.Checkpoints;

/// <summary>Networks of an architecture from weight files: its own formats, or a training checkpoint's safetensors.</summary>
public static class NetworkWeights
{
    /// <summary>
    /// <c>.safetensors</c> (a <c>student.safetensors</c> of a checkpoint, or a whole checkpoint folder): the architecture's
    /// network with that state dict; anything else: <see cref="DepthArchitecture.Load"/>.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Load(Networks.DepthArchitecture arch, string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "student.safetensors");
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return arch.Load(path);
        var network = arch.CreateRandom(0);
        try
        {
            CheckpointFile.LoadStateDict(network, path);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        return network;
    }
}
