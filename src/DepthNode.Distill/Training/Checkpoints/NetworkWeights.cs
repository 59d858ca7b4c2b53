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
        var tensors = SafeTensorsFile.Read(path);
        try
        {
            using (no_grad())
            {
                var (missing, unexpected) = network.load_state_dict(tensors, strict: false);
                if (missing.Count > 0 || unexpected.Count > 0)
                {
                    network.Dispose();
                    throw new InvalidDataException($"{path} does not hold {arch.Name} weights (missing: {string.Join(", ", missing.Take(3))}; unexpected: {string.Join(", ", unexpected.Take(3))})");
                }
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        network.eval();
        return network;
    }
}
