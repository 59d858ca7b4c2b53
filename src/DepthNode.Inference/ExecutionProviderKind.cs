namespace DepthNode.Inference.OnnxRuntime;

/// <summary>ONNX Runtime execution providers DepthNode knows, in the order they are tried by default.</summary>
public enum ExecutionProviderKind { TensorRt, Cuda, Cpu }
