namespace DepthNode.Inference;

/// <summary>A tensor as an ONNX model declares it: element type and dimensions (-1 = dynamic).</summary>
public readonly record struct TensorDeclaration(Type ElementType, int[] Dimensions);

/// <summary>Checks an ONNX model's declared inputs and outputs against its card; a contradiction is refused with a
/// message naming the tensor, the declared shape and the card field.</summary>
public static class ModelContract
{
    public static void Check(ModelCard card, IReadOnlyDictionary<string, TensorDeclaration> inputs, IReadOnlyDictionary<string, TensorDeclaration> outputs)
    {
        var src = card.Name;
        if (!inputs.TryGetValue(card.Input.Name, out var input))
            throw new ModelCardException(src, "input.name", $"'{card.Input.Name}' is not an input of the network (inputs: {string.Join(", ", inputs.Keys)})");
        if (!outputs.TryGetValue(card.Output.Name, out var output))
            throw new ModelCardException(src, "output.name", $"'{card.Output.Name}' is not an output of the network (outputs: {string.Join(", ", outputs.Keys)})");
        if (input.ElementType != typeof(float))
            throw new ModelCardException(src, "input.name", $"'{card.Input.Name}' is {input.ElementType.Name}; only float32 inputs are supported");
        if (output.ElementType != typeof(float))
            throw new ModelCardException(src, "output.name", $"'{card.Output.Name}' is {output.ElementType.Name}; only float32 outputs are supported");
        var d = input.Dimensions;
        var declared = Shape(d);
        if (d.Length != 4) throw new ModelCardException(src, "input.layout", $"needs a 4-D input, the network declares {declared}");
        var nchw = card.Input.Layout == TensorLayout.Nchw;
        var (c, h, w) = nchw ? (d[1], d[2], d[3]) : (d[3], d[1], d[2]);
        if (d[0] > 1) throw new ModelCardException(src, "input", $"the network declares batch {d[0]} ({declared}); DepthNode runs batch 1");
        if (c > 0 && c != 3) throw new ModelCardException(src, "input.layout", $"{card.Input.Layout} puts channels where the network declares {c} ({declared})");
        var size = card.Input.Size;
        if (!size.KeepAspect)
        {
            if ((h > 0 && h != size.Height) || (w > 0 && w != size.Width))
                throw new ModelCardException(src, "input.size", $"says {size.Width}x{size.Height} but the network declares {declared} ({card.Input.Layout}: {Math.Max(w, -1)}x{Math.Max(h, -1)})");
        }
        else if (h > 0 || w > 0)
            throw new ModelCardException(src, "input.size.policy", $"is keep_aspect (input size varies with the image) but the network's input is fixed {declared}");
        var o = output.Dimensions;
        if (o.Length is < 2 or > 4 || o.Take(o.Length - 2).Any(x => x > 1))
            throw new ModelCardException(src, "output.name", $"'{card.Output.Name}' must be one depth map ([1,1,H,W], [1,H,W] or [H,W]), the network declares {Shape(o)}");
    }

    /// <summary>Width and height of the actual output tensor shape.</summary>
    public static (int Width, int Height) OutputSize(ModelCard card, IReadOnlyList<long> shape)
    {
        if (shape.Count < 2 || shape.Take(shape.Count - 2).Any(x => x != 1) || shape[^1] <= 0 || shape[^2] <= 0)
            throw new ModelCardException(card.Name, "output.name", $"'{card.Output.Name}' came out as {Shape(shape.Select(x => (int)x).ToArray())}, not one depth map");
        return ((int)shape[^1], (int)shape[^2]);
    }

    private static string Shape(int[] dims) => "[" + string.Join(",", dims.Select(x => x < 0 ? "?" : x.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
