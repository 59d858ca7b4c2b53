using DepthNode.Distill.Export;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// Reads a FastDepth ONNX file (as PyTorch exported it, batch norm not folded) into <see cref="FastDepthNet"/>: the
/// widths from the convolution weights, then each Conv → BatchNormalization → Clip(0, 6)/Relu unit, in graph order,
/// onto the network's units in forward order. Anything that does not fit (another count of units, a kernel, stride,
/// group, activation or shape that differs) is refused with one line naming the node.
/// </summary>
public static class FastDepthOnnxWeights
{
    /// <summary>One Conv → BatchNormalization → activation unit as found in the graph.</summary>
    private sealed record Unit(NodeProto Conv, NodeProto BatchNorm, ConvActivation Activation, TensorProto Weight, TensorProto[] Norm);

    public static FastDepthNet Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"FastDepth weights {path} do not exist", path);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)); }
        catch (Google.Protobuf.InvalidProtocolBufferException e) { throw new InvalidDataException($"{path} is not an ONNX model: {e.Message}"); }
        var units = Units(model.Graph, path);
        const int expected = 1 + 2 * 13 + 2 * 5 + 1;
        if (units.Count != expected)
            throw new InvalidDataException($"{path}: {units.Count} Conv→BatchNormalization units, FastDepth has {expected} (a full conv, 13 + 5 depthwise separable, a head)");

        // Widths: the full conv, then each separable layer's pointwise output.
        var encoder = new int[14];
        encoder[0] = (int)units[0].Weight.Dims[0];
        for (var i = 1; i < 14; i++) encoder[i] = (int)units[2 * i].Weight.Dims[0];
        var decoder = new int[5];
        for (var i = 0; i < 5; i++) decoder[i] = (int)units[28 + 2 * i].Weight.Dims[0];
        FastDepthNet net;
        try { net = new FastDepthNet(new FastDepthWidths(encoder, decoder)); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: not a FastDepth graph ({e.Message})"); }

        using var noGrad = torch.no_grad();
        foreach (var (unit, found) in net.Units().Zip(units))
        {
            Check(unit, found, path);
            CopyInto(unit.Conv.weight!, found.Weight, found.Conv.Name, path);
            var bn = unit.BatchNorm;
            CopyInto(bn.weight!, found.Norm[0], found.BatchNorm.Name, path);
            CopyInto(bn.bias!, found.Norm[1], found.BatchNorm.Name, path);
            CopyInto(bn.running_mean!, found.Norm[2], found.BatchNorm.Name, path);
            CopyInto(bn.running_var!, found.Norm[3], found.BatchNorm.Name, path);
        }
        net.eval();
        return net;
    }

    private static List<Unit> Units(GraphProto graph, string path)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        var units = new List<Unit>();
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var where = $"{path}: Conv node '{Describe(conv)}'";
            if (conv.Input.Count != 2 || !initializers.TryGetValue(conv.Input[1], out var weight))
                throw new InvalidDataException($"{where} needs a weight initializer and no bias (FastDepth's convolutions feed a batch norm)");
            var bn = consumers[conv.Output[0]].SingleOrDefault(n => n.OpType == "BatchNormalization")
                ?? throw new InvalidDataException($"{where} is not followed by a BatchNormalization (a graph with folded batch norm is not FastDepth as exported)");
            var norm = bn.Input.Skip(1).Take(4).Select(n => initializers.TryGetValue(n, out var t) ? t
                : throw new InvalidDataException($"{path}: BatchNormalization '{Describe(bn)}' input '{n}' is not an initializer")).ToArray();
            var act = consumers[bn.Output[0]].FirstOrDefault(n => n.OpType is "Clip" or "Relu")
                ?? throw new InvalidDataException($"{path}: BatchNormalization '{Describe(bn)}' is not followed by Clip or Relu");
            var activation = act.OpType == "Relu" ? ConvActivation.Relu : ClipIsRelu6(act, initializers)
                ? ConvActivation.Relu6 : throw new InvalidDataException($"{path}: Clip '{Describe(act)}' is not ReLU6 (min 0, max 6)");
            var epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            if (Math.Abs(epsilon - ConvBatchNormActivation.BatchNormEpsilon) > 1e-9)
                throw new InvalidDataException($"{path}: BatchNormalization '{Describe(bn)}' has epsilon {epsilon}, FastDepth uses {ConvBatchNormActivation.BatchNormEpsilon}");
            units.Add(new Unit(conv, bn, activation, weight, norm));
        }
        return units;
    }

    private static bool ClipIsRelu6(NodeProto clip, Dictionary<string, TensorProto> initializers)
    {
        // Opset < 11 puts the bounds in attributes, later opsets in inputs.
        var min = clip.Attribute.FirstOrDefault(a => a.Name == "min")?.F;
        var max = clip.Attribute.FirstOrDefault(a => a.Name == "max")?.F;
        if (clip.Input.Count >= 3 && initializers.TryGetValue(clip.Input[1], out var lo) && initializers.TryGetValue(clip.Input[2], out var hi))
        {
            using var l = OnnxTensors.ToFloatTensor(lo);
            using var h = OnnxTensors.ToFloatTensor(hi);
            (min, max) = (l.item<float>(), h.item<float>());
        }
        return min == 0 && max == 6;
    }

    private static void Check(ConvBatchNormActivation unit, Unit found, string path)
    {
        long Attr(string name, int index, long fallback) =>
            found.Conv.Attribute.FirstOrDefault(a => a.Name == name) is { } a && a.Ints.Count > index ? a.Ints[index] : fallback;
        var group = found.Conv.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
        var pad = unit.Kernel / 2;
        var ok = Attr("kernel_shape", 0, found.Weight.Dims[2]) == unit.Kernel && Attr("kernel_shape", 1, found.Weight.Dims[3]) == unit.Kernel
            && Attr("strides", 0, 1) == unit.Stride && Attr("strides", 1, 1) == unit.Stride && group == unit.Groups
            && Enumerable.Range(0, 4).All(i => Attr("pads", i, 0) == pad) && found.Activation == unit.Activation;
        if (!ok)
            throw new InvalidDataException($"{path}: Conv node '{Describe(found.Conv)}' (kernel {Attr("kernel_shape", 0, 0)}, stride {Attr("strides", 0, 1)}, " +
                $"group {group}, {found.Activation}) does not match FastDepth's unit here (kernel {unit.Kernel}, stride {unit.Stride}, group {unit.Groups}, {unit.Activation})");
    }

    private static void CopyInto(Tensor target, TensorProto source, string node, string path)
    {
        if (!source.Dims.SequenceEqual(target.shape))
            throw new InvalidDataException($"{path}: initializer '{source.Name}' of node '{node}' is [{string.Join(",", source.Dims)}], FastDepth expects [{string.Join(",", target.shape)}]");
        using var value = OnnxTensors.ToFloatTensor(source);
        target.copy_(value);
    }

    private static string Describe(NodeProto n) => n.Name.Length > 0 ? n.Name : $"{n.OpType} → {string.Join(",", n.Output)}";
}
