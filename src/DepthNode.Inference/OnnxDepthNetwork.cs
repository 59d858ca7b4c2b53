using Microsoft.ML.OnnxRuntime;

namespace DepthNode.Inference.OnnxRuntime;

/// <summary>
/// An ONNX network behind <see cref="IDepthNetwork"/> (batched, offline: teachers, scoring, export checks), on ONNX
/// Runtime's CPU provider. A network whose input declares batch 1 (FastDepth) runs image by image; one with a dynamic
/// batch runs the whole batch at once. With <c>cuda</c> (teachers on a GPU machine) the CUDA provider is tried first
/// and a fallback to the CPU is logged. The node itself uses <see cref="OnnxDepthModel"/>.
/// </summary>
public sealed class OnnxDepthNetwork : IDepthNetwork
{
    private readonly InferenceSession _session;
    private readonly bool _batched;

    public OnnxDepthNetwork(ModelCard card, int intraOpThreads = 0, bool cuda = false, Action<string>? log = null)
    {
        Card = card;
        var path = card.ModelPath;
        if (!File.Exists(path)) throw new FileNotFoundException($"model {card.Name}: weights {path} not found (model card says file: {card.File})", path);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        Provider = "CPUExecutionProvider";
        if (cuda)
        {
            var available = OrtEnv.Instance().GetAvailableProviders();
            if (available.Contains("CUDAExecutionProvider"))
            {
                using var cudaOptions = new OrtCUDAProviderOptions();
                cudaOptions.UpdateOptions(ProviderOptionsBuilder.Cuda(new OnnxModelOptions()));
                options.AppendExecutionProvider_CUDA(cudaOptions);
                Provider = "CUDAExecutionProvider";
            }
            else log?.Invoke($"model {card.Name}: CUDAExecutionProvider is not in this ONNX Runtime build (providers: {string.Join(", ", available)}); running on the CPU");
        }
        _session = new InferenceSession(path, options);
        try
        {
            var inputs = _session.InputMetadata.ToDictionary(kv => kv.Key, kv => new TensorDeclaration(kv.Value.ElementType, kv.Value.Dimensions));
            var outputs = _session.OutputMetadata.ToDictionary(kv => kv.Key, kv => new TensorDeclaration(kv.Value.ElementType, kv.Value.Dimensions));
            ModelContract.Check(card, inputs, outputs);
            _batched = inputs[card.Input.Name].Dimensions[0] < 0;
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public ModelCard Card { get; }

    /// <summary>The execution provider asked for first (CUDA when requested and present, else CPU).</summary>
    public string Provider { get; }

    public NchwTensor Predict(NchwTensor input)
    {
        if (input.C != 3) throw new ArgumentException($"{Card.Name}: input {input} must have 3 channels", nameof(input));
        if (_batched) return Run(input.Data, input.N, input.H, input.W);
        NchwTensor? result = null;
        for (var n = 0; n < input.N; n++)
        {
            var one = Run(input.Image(n).ToArray(), 1, input.H, input.W);
            result ??= NchwTensor.Zeros(input.N, 1, one.H, one.W);
            one.Data.CopyTo(result.Image(n));
        }
        return result!;
    }

    private NchwTensor Run(float[] nchw, int n, int h, int w)
    {
        var nhwc = Card.Input.Layout == TensorLayout.Nhwc;
        var data = nhwc ? ToNhwc(nchw, n, h, w) : nchw;
        long[] shape = nhwc ? [n, h, w, 3] : [n, 3, h, w];
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [Card.Input.Name], [value], [Card.Output.Name]);
        var outShape = results[0].GetTensorTypeAndShape().Shape;
        var (ow, oh) = (checked((int)outShape[^1]), checked((int)outShape[^2]));
        var values = results[0].GetTensorDataAsSpan<float>();
        if (values.Length != (long)n * ow * oh)
            throw new ModelCardException(Card.Name, "output.name", $"'{Card.Output.Name}' came out as [{string.Join(",", outShape)}] for a batch of {n}, not one depth map per image");
        return new NchwTensor(values.ToArray(), n, 1, oh, ow);
    }

    private static float[] ToNhwc(float[] nchw, int n, int h, int w)
    {
        var plane = h * w;
        var nhwc = new float[nchw.Length];
        for (var b = 0; b < n; b++)
            for (var c = 0; c < 3; c++)
                for (var i = 0; i < plane; i++)
                    nhwc[(b * plane + i) * 3 + c] = nchw[(b * 3 + c) * plane + i];
        return nhwc;
    }

    public void Dispose() => _session.Dispose();
}
