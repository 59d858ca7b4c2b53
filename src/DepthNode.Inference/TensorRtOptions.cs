namespace DepthNode.Inference.OnnxRuntime;

/// <summary>TensorRT execution provider settings (ORT option names in <see cref="ProviderOptionsBuilder.TensorRt"/>).</summary>
/// <param name="Fp16">Build FP16 engines (weak typing; TRT 11 needs an FP16 ONNX instead).</param>
/// <param name="CacheRoot">Engine and timing caches go to a sub-folder of this, keyed by model hash, input shape,
/// TensorRT version and precision (engines are not portable across any of them). Null: ~/.cache/depthnode/tensorrt.</param>
/// <param name="TensorRtVersion">Version for the cache key; null: detected from libnvinfer.so.* at start.</param>
/// <param name="ProfileMin">Smallest input size of the optimisation profile (dynamic models); null: the input size
/// chosen for <see cref="OnnxModelOptions.WarmupImageSize"/> (the camera's), so one engine fits the stream exactly.</param>
/// <param name="ProfileMax">Largest input size; an input outside [min, max] would trigger an engine rebuild mid-run.</param>
public sealed record TensorRtOptions(
    bool Fp16 = true, string? CacheRoot = null, bool TimingCache = true, long MaxWorkspaceBytes = 2L << 30,
    int BuilderOptimizationLevel = 3, string? TensorRtVersion = null,
    TensorSize? ProfileMin = null, TensorSize? ProfileOpt = null, TensorSize? ProfileMax = null);
