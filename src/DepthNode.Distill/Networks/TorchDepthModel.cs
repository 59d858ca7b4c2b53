using DepthNode.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// A TorchSharp network behind the node's <see cref="IDepthModel"/>, so the node's own per-frame path (and with it
/// `eval`'s scoring) runs a student in training or from a checkpoint exactly as it runs an ONNX network. Each
/// <see cref="Run"/> is one image in eval mode without gradients; a module that was training goes back to training.
/// It allocates per frame (offline scoring, not the node's hot path).
/// </summary>
public sealed class TorchDepthModel(nn.Module<Tensor, Tensor> module, ModelCard card, bool ownsModule = false) : IDepthModel
{
    private TensorSize _size;
    private float[] _input = [];
    private float[] _output = [];

    public ModelCard Card { get; } = card.Input.Layout == TensorLayout.Nchw ? card
        : throw new ArgumentException($"{card.Name}: TorchSharp networks here take NCHW input, the card says {card.Input.Layout}", nameof(card));
    public string Provider => "TorchSharp CPU";

    public TensorSize InputSizeFor(int imageWidth, int imageHeight) => Card.Input.Size.Choose(imageWidth, imageHeight);

    public Span<float> GetInputBuffer(TensorSize inputSize)
    {
        if (inputSize != _size || _input.Length == 0) (_size, _input) = (inputSize, new float[3 * inputSize.Width * inputSize.Height]);
        return _input;
    }

    public DepthOutputView Run()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var wasTraining = module.training;
        module.eval();
        try
        {
            var y = module.forward(torch.tensor(_input, [1, 3, _size.Height, _size.Width])).to_type(ScalarType.Float32).contiguous();
            var s = y.shape;
            if (s.Length != 4 || s[0] != 1 || s[1] != 1)
                throw new InvalidOperationException($"{Card.Name}: output is [{string.Join(",", s)}]; expected [1,1,h,w]");
            _output = y.data<float>().ToArray();
            return new DepthOutputView(_output, (int)s[3], (int)s[2]);
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }

    public void Dispose()
    {
        if (ownsModule) module.Dispose();
    }
}
