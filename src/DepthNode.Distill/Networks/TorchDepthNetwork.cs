using DepthNode.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// A TorchSharp network behind <see cref="IDepthNetwork"/>: batches go to <paramref name="device"/>, run in eval mode
/// without gradients, and come back as CPU arrays. The module stays usable (and trainable) directly; this is the view
/// that scores it and compares it with its ONNX export.
/// </summary>
public sealed class TorchDepthNetwork(nn.Module<Tensor, Tensor> module, ModelCard card, Device? device = null, bool ownsModule = false) : IDepthNetwork
{
    private readonly Device _device = device ?? CPU;

    public ModelCard Card { get; } = card;
    public nn.Module<Tensor, Tensor> Module { get; } = module;

    public NchwTensor Predict(NchwTensor input)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // A student scored in the middle of training goes back to training mode afterwards.
        var wasTraining = Module.training;
        Module.eval();
        try
        {
            var x = torch.tensor(input.Data, input.Shape).to(_device);
            var y = Module.forward(x).to_type(ScalarType.Float32).cpu().contiguous();
            var s = y.shape;
            if (s.Length != 4 || s[0] != input.N || s[1] != 1)
                throw new InvalidOperationException($"{Card.Name}: output is [{string.Join(",", s)}] for input {input}; expected [N,1,h,w]");
            return new NchwTensor(y.data<float>().ToArray(), input.N, 1, (int)s[2], (int)s[3]);
        }
        finally
        {
            if (wasTraining) Module.train();
        }
    }

    public void Dispose()
    {
        if (ownsModule) Module.Dispose();
    }
}
