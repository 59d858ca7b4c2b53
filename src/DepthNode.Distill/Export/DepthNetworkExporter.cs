using System.Diagnostics;
using DepthNode.Distill.Networks;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Export;

/// <summary>What an export wrote.</summary>
public sealed record ExportResult(string OnnxPath, string CardPath, ModelCard Card, long Bytes, int Nodes, TimeSpan Elapsed);

/// <summary>
/// Writes a TorchSharp depth network as ONNX (input <c>pixel_values</c> float32 [1, 3, H, W], output
/// <c>predicted_depth</c> float32 [1, 1, H, W]) with its model card beside it, so <c>depthnode run --model</c> takes the
/// file as it is. The card carries the file's SHA-256 and, as comments, where the weights came from.
/// </summary>
public static class DepthNetworkExporter
{
    public static ExportResult Export(DepthArchitecture arch, nn.Module<Tensor, Tensor> network, string onnxPath,
        OnnxPrecision precision, IEnumerable<string> provenance)
    {
        var sw = Stopwatch.StartNew();
        network.eval();
        var name = Path.GetFileNameWithoutExtension(onnxPath);
        var g = new OnnxGraphBuilder(name, precision);
        OnnxValue depth;
        using (torch.no_grad())
        {
            var x = g.Input("pixel_values", arch.InputDims);
            depth = arch.Emit(network, g, x);
        }
        g.Output(depth, "predicted_depth", arch.OutputDims);
        var card = arch.Card(name, Path.GetFileName(onnxPath));
        var bytes = g.Save(onnxPath, $"{arch.Description}; exported by depth-distill ({precision})");
        card = card with { Sha256 = ModelStore.Sha256Hex(onnxPath) };
        var cardPath = Path.ChangeExtension(onnxPath, ".yaml");
        card.Write(cardPath, [$"{arch.Description}", $"exported by depth-distill export --arch {arch.Name}, {precision}", .. provenance]);
        sw.Stop();
        return new ExportResult(onnxPath, cardPath, card with { Directory = Path.GetDirectoryName(Path.GetFullPath(onnxPath)) }, bytes, g.NodeCount, sw.Elapsed);
    }
}

/// <summary>One size of an export check: TorchSharp (float32) against ONNX Runtime on the exported file.</summary>
public sealed record ExportCheckResult(TensorSize Size, int Images, float MaxAbs, double RelativeL2, double ReferenceMax);

/// <summary>Runs the TorchSharp network and ONNX Runtime (on the export) on the same pre-processed images.</summary>
public static class ExportCheck
{
    public static ExportCheckResult Run(nn.Module<Tensor, Tensor> network, ModelCard exportedCard, IReadOnlyList<string> images, TensorSize size)
    {
        var input = NetworkInputs.Load(images, exportedCard.Input, size);
        using var torchNet = new TorchDepthNetwork(network, exportedCard);
        using var onnx = new OnnxDepthNetwork(exportedCard);
        var expected = torchNet.Predict(input);
        var actual = onnx.Predict(input);
        if (actual.H != expected.H || actual.W != expected.W)
            throw new InvalidDataException($"{exportedCard.ModelPath}: ONNX Runtime output is {actual.W}x{actual.H}, TorchSharp's {expected.W}x{expected.H}");
        double num = 0, den = 0, refMax = 0;
        var maxAbs = 0f;
        for (var i = 0; i < expected.Data.Length; i++)
        {
            var d = (double)actual.Data[i] - expected.Data[i];
            num += d * d;
            den += (double)expected.Data[i] * expected.Data[i];
            maxAbs = Math.Max(maxAbs, (float)Math.Abs(d));
            refMax = Math.Max(refMax, Math.Abs(expected.Data[i]));
        }
        return new ExportCheckResult(size, input.N, maxAbs, den > 0 ? Math.Sqrt(num / den) : Math.Sqrt(num), refMax);
    }
}
