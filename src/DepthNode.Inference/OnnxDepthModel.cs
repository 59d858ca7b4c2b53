using System.Diagnostics;
using DepthNode.Models;
using Microsoft.ML.OnnxRuntime;

namespace DepthNode.Inference.OnnxRuntime;

/// <summary>
/// An ONNX depth network run by ONNX Runtime behind <see cref="IDepthModel"/>. At start it tries the configured
/// execution providers in order (TensorRT → CUDA → CPU by default), logs the one used and every fallback, checks the
/// network's declared input and output against the card, binds pinned input/output buffers with an IOBinding and warms
/// up. Per frame: the caller fills <see cref="GetInputBuffer"/>, <see cref="Run"/> runs in place; no allocation.
/// </summary>
public sealed class OnnxDepthModel : IDepthModel
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly Action<string> _log;
    private readonly OnnxModelOptions _options;
    private TensorSize _inputSize;
    private float[] _input = [];
    private float[] _output = [];
    private OrtValue? _inputValue, _outputValue;
    private int _outputWidth, _outputHeight;

    public ModelCard Card { get; }
    public string Provider { get; }
    private readonly string _path;
    private string? _sha256;

    /// <summary>SHA-256 of the weights; computed on first use (the card check, the TensorRT cache key), since hashing
    /// a 1.3 GB network takes seconds.</summary>
    public string ModelSha256 => _sha256 ??= ModelStore.Sha256Hex(_path);

    /// <summary>Opens <paramref name="card"/>'s network (<see cref="ModelCard.ModelPath"/>).</summary>
    public OnnxDepthModel(ModelCard card, OnnxModelOptions? options = null, Action<string>? log = null)
    {
        Card = card;
        _options = options ?? new OnnxModelOptions();
        _log = log ?? (_ => { });
        var path = card.ModelPath;
        if (!File.Exists(path))
            throw new FileNotFoundException($"model {card.Name}: weights {path} not found (model card says file: {card.File})", path);
        _path = path;
        if (card.Sha256 is { } expected && !string.Equals(expected, ModelSha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelCardException(card.Name, "sha256", $"is {expected} but {path} hashes to {ModelSha256}");

        (_session, Provider) = CreateSession(path);
        try
        {
            ModelContract.Check(card, _session.InputMetadata.ToDictionary(kv => kv.Key, kv => new TensorDeclaration(kv.Value.ElementType, kv.Value.Dimensions)),
                _session.OutputMetadata.ToDictionary(kv => kv.Key, kv => new TensorDeclaration(kv.Value.ElementType, kv.Value.Dimensions)));
            _binding = _session.CreateIoBinding();
            var warm = _options.WarmupImageSize ?? new TensorSize(card.Input.Size.Width, card.Input.Size.Height);
            _log($"model {card.Name}: warming up for {warm} camera images{(_options.WarmupImageSize is null ? " (the card's size)" : "")}");
            GetInputBuffer(InputSizeFor(warm.Width, warm.Height));
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public TensorSize InputSizeFor(int imageWidth, int imageHeight) => Card.Input.Size.Choose(imageWidth, imageHeight);

    public Span<float> GetInputBuffer(TensorSize inputSize)
    {
        if (inputSize != _inputSize || _inputValue is null) Rebind(inputSize);
        return _input;
    }

    public DepthOutputView Run()
    {
        _session.RunWithBinding(_runOptions, _binding);
        return new DepthOutputView(_output, _outputWidth, _outputHeight);
    }

    private void Rebind(TensorSize size)
    {
        if (size.Width <= 0 || size.Height <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"input size {size} is empty");
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        _inputValue?.Dispose(); _outputValue?.Dispose();
        _inputValue = _outputValue = null;

        long[] shape = Card.Input.Layout == TensorLayout.Nchw ? [1, 3, size.Height, size.Width] : [1, size.Height, size.Width, 3];
        _input = GC.AllocateArray<float>(3 * size.Width * size.Height, pinned: true);
        _inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(_input), shape);
        _binding.BindInput(Card.Input.Name, _inputValue);

        // The output shape of a dynamic network is only known after a run: let ONNX Runtime allocate once, then bind
        // our own pinned buffer of that shape so later runs write in place.
        _binding.BindOutputToDevice(Card.Output.Name, OrtMemoryInfo.DefaultInstance);
        var sw = Stopwatch.StartNew();
        _session.RunWithBinding(_runOptions, _binding);
        long[] outShape;
        using (var outputs = _binding.GetOutputValues())
            outShape = outputs[0].GetTensorTypeAndShape().Shape;
        var firstMs = sw.Elapsed.TotalMilliseconds;
        (_outputWidth, _outputHeight) = ModelContract.OutputSize(Card, outShape);
        _binding.ClearBoundOutputs();
        _output = GC.AllocateArray<float>(_outputWidth * _outputHeight, pinned: true);
        _outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(_output), outShape);
        _binding.BindOutput(Card.Output.Name, _outputValue);
        _inputSize = size;

        sw.Restart();
        for (var i = 0; i < _options.WarmupRuns; i++) _session.RunWithBinding(_runOptions, _binding);
        var warm = _options.WarmupRuns > 0 ? $", then {_options.WarmupRuns} warm-up runs {sw.Elapsed.TotalMilliseconds / _options.WarmupRuns:F1} ms each" : "";
        _log($"model {Card.Name}: input {size} bound, output {_outputWidth}x{_outputHeight}; first run {firstMs:F1} ms{warm}");
    }

    private (InferenceSession Session, string Provider) CreateSession(string path)
    {
        var available = OrtEnv.Instance().GetAvailableProviders();
        var tried = new List<string>();
        foreach (var kind in _options.Providers)
        {
            var name = ProviderOptionsBuilder.ProviderName(kind);
            if (!available.Contains(name))
            {
                tried.Add($"{name}: not in this ONNX Runtime build");
                _log($"execution provider {name} is not available in this ONNX Runtime build (providers: {string.Join(", ", available)}); falling back");
                continue;
            }
            SessionOptions? so = null;
            try
            {
                so = SessionOptionsFor(kind);
                var session = new InferenceSession(path, so);
                _log($"execution provider: {name} (ONNX Runtime {OnnxRuntimeInfo.Version}, model {Card.Name}, {_path})");
                return (session, name);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or ArgumentException or IOException)
            {
                tried.Add($"{name}: {e.Message}");
                _log($"execution provider {name} failed ({e.Message.Split('\n')[0]}); falling back");
            }
            finally { so?.Dispose(); }
        }
        throw new NotSupportedException($"model {Card.Name}: no execution provider could run it ({string.Join("; ", tried)})");
    }

    private SessionOptions SessionOptionsFor(ExecutionProviderKind kind)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            // ONNX Runtime's warnings (e.g. one line per unused initializer in exported models) would bury the
            // node's own log; errors still come through, and the provider choice is logged by us.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (_options.IntraOpThreads > 0) so.IntraOpNumThreads = _options.IntraOpThreads;
            switch (kind)
            {
                case ExecutionProviderKind.TensorRt:
                {
                    var version = _options.TensorRt.TensorRtVersion ?? ProviderOptionsBuilder.DetectTensorRtVersion();
                    var warm = _options.WarmupImageSize ?? new TensorSize(Card.Input.Size.Width, Card.Input.Size.Height);
                    var dict = ProviderOptionsBuilder.TensorRt(Card, ModelSha256, _options, version, InputSizeFor(warm.Width, warm.Height));
                    Directory.CreateDirectory(dict["trt_engine_cache_path"]);
                    _log($"TensorRT {version}: engine cache {dict["trt_engine_cache_path"]} (the first run builds the engine, which can take minutes)");
                    using var trt = new OrtTensorRTProviderOptions();
                    trt.UpdateOptions(dict);
                    so.AppendExecutionProvider_Tensorrt(trt);
                    // CUDA after TensorRT takes the nodes TensorRT cannot.
                    using var cuda = new OrtCUDAProviderOptions();
                    cuda.UpdateOptions(ProviderOptionsBuilder.Cuda(_options));
                    so.AppendExecutionProvider_CUDA(cuda);
                    break;
                }
                case ExecutionProviderKind.Cuda:
                {
                    using var cuda = new OrtCUDAProviderOptions();
                    cuda.UpdateOptions(ProviderOptionsBuilder.Cuda(_options));
                    so.AppendExecutionProvider_CUDA(cuda);
                    break;
                }
            }
            return so;
        }
        catch
        {
            so.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue?.Dispose();
        _outputValue?.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
