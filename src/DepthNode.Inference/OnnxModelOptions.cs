namespace DepthNode.Inference.OnnxRuntime;

/// <summary>How <see cref="OnnxDepthModel"/> runs a network.</summary>
public sealed record OnnxModelOptions
{
    /// <summary>Tried in order; the first that creates a session wins, every failure is logged.</summary>
    public IReadOnlyList<ExecutionProviderKind> Providers { get; init; } = [ExecutionProviderKind.TensorRt, ExecutionProviderKind.Cuda, ExecutionProviderKind.Cpu];
    public int DeviceId { get; init; }
    public TensorRtOptions TensorRt { get; init; } = new();
    public CudaOptions Cuda { get; init; } = new();
    /// <summary>CPU threads per operator; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Runs at start (and after an input size change) so the first real frame is not slow.</summary>
    public int WarmupRuns { get; init; } = 2;
    /// <summary>Camera size to warm up for (keep-aspect models pick their input size from it); null: the card's target size.</summary>
    public TensorSize? WarmupImageSize { get; init; }

    public static OnnxModelOptions CpuOnly(int threads = 0) => new() { Providers = [ExecutionProviderKind.Cpu], IntraOpThreads = threads };
}
