namespace DepthNode.Inference.OnnxRuntime;

/// <summary>CUDA execution provider settings.</summary>
public sealed record CudaOptions(long GpuMemoryLimitBytes = 0, string CudnnConvAlgoSearch = "HEURISTIC");
