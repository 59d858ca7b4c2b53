using Microsoft.ML.OnnxRuntime;

namespace DepthNode.Inference.OnnxRuntime;

/// <summary>What the loaded ONNX Runtime native library offers; used by <c>doctor</c> and logged at start.</summary>
public static class OnnxRuntimeInfo
{
    public static string Version => OrtEnv.Instance().GetVersionString();

    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();
}
