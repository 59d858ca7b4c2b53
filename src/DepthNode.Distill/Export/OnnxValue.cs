namespace DepthNode.Distill.Export;

/// <summary>A named value (tensor) in an ONNX graph under construction: a graph input, an initializer or a node output.</summary>
public readonly record struct OnnxValue(string Name)
{
    /// <summary>An omitted optional input (ONNX spells it as the empty name).</summary>
    public static OnnxValue None { get; } = new("");

    public override string ToString() => Name;
}

/// <summary>One dimension of a graph input or output: a fixed size or a named dynamic one ("height").</summary>
public readonly record struct OnnxDim(long Value, string? Param)
{
    public static implicit operator OnnxDim(long value) => new(value, null);
    public static implicit operator OnnxDim(string param) => new(0, param);

    public override string ToString() => Param ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The element type the exported graph computes in. Graph inputs and outputs stay float32 either way.</summary>
public enum OnnxPrecision
{
    Float32,
    /// <summary>Half-precision weights and activations (for TensorRT FP16), with Cast nodes at the float32 input and output.</summary>
    Float16,
}
