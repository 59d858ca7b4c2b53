namespace DepthNode.Distill.Export;

/// <summary>
/// A TorchSharp network that writes its own forward pass into an ONNX graph, so the exporter needs no tracing: each
/// module emits the operators its <c>forward</c> runs, with its parameters as initializers under their state-dict names.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Emits the network on <paramref name="pixelValues"/> ([N, 3, H, W], pre-processed per the card) and
    /// returns the depth map value ([N, 1, H, W]).</summary>
    OnnxValue EmitOnnx(OnnxGraphBuilder graph, OnnxValue pixelValues);
}
