using System.Globalization;
using Google.Protobuf;
using Onnx;
using TorchSharp;

namespace DepthNode.Distill.Export;

/// <summary>
/// Builds an ONNX model node by node from a TorchSharp network's forward pass: graph inputs and outputs with fixed or
/// dynamic dimensions, initializers from TorchSharp tensors under their module names, and one emitter per operator
/// (<c>OnnxGraphBuilder.Ops.cs</c>) whose semantics match the torch function named in its comment.
/// <para>
/// Values are plain names (<see cref="OnnxValue"/>); node and intermediate value names come from the current
/// <see cref="Scope"/> (e.g. <c>encoder.conv3/Conv_0</c>), so the exported graph reads like the module tree.
/// With <see cref="OnnxPrecision.Float16"/> every float initializer and constant is stored as float16 and the float32
/// graph input and output are cast at the boundary.
/// </para>
/// </summary>
public sealed partial class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxValue> _constants = new(StringComparer.Ordinal);
    private readonly Stack<string> _scopes = new();
    private int _counter;

    /// <param name="graphName">The graph's name (the model's name in tools such as Netron).</param>
    /// <param name="opset">Default-domain opset; at least 17 (LayerNormalization). 20 or more makes <see cref="Gelu"/> emit the Gelu operator.</param>
    public OnnxGraphBuilder(string graphName, OnnxPrecision precision = OnnxPrecision.Float32, int opset = 17)
    {
        if (opset < 17) throw new ArgumentOutOfRangeException(nameof(opset), $"opset {opset}: the exporter needs at least 17 (LayerNormalization)");
        _graph = new GraphProto { Name = graphName };
        Precision = precision;
        Opset = opset;
    }

    public OnnxPrecision Precision { get; }
    public int Opset { get; }

    /// <summary>ONNX element type of the graph's float computation (float32, or float16 for <see cref="OnnxPrecision.Float16"/>).</summary>
    public int FloatType => Precision == OnnxPrecision.Float16 ? OnnxTensors.Float16 : OnnxTensors.Float;

    /// <summary>Nodes emitted so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>Names nodes and values emitted inside it after a module (<c>using (g.Scope("encoder.conv3")) ...</c>);
    /// scopes nest with '.'.</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Push(_scopes.Count == 0 ? name : _scopes.Peek() + "." + name);
        return new ScopeExit(_scopes);
    }

    private sealed class ScopeExit(Stack<string> scopes) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            scopes.Pop();
        }
    }

    /// <summary>A float32 graph input (e.g. <c>Input("pixel_values", 1, 3, "height", "width")</c>); in float16 mode the
    /// returned value is its cast to float16.</summary>
    public OnnxValue Input(string name, params OnnxDim[] dims)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, OnnxTensors.Float, dims));
        var value = new OnnxValue(name);
        return Precision == OnnxPrecision.Float16 ? Cast(value, OnnxTensors.Float16) : value;
    }

    /// <summary>Declares <paramref name="value"/> as the float32 graph output <paramref name="name"/> (cast from float16
    /// in float16 mode).</summary>
    public void Output(OnnxValue value, string name, params OnnxDim[] dims)
    {
        Claim(name);
        if (Precision == OnnxPrecision.Float16) Node("Cast", [value], [name], OnnxAttributes.Int("to", OnnxTensors.Float));
        else Node("Identity", [value], [name]);
        _graph.Output.Add(ValueInfo(name, OnnxTensors.Float, dims));
    }

    /// <summary>A float weight as an initializer named <paramref name="name"/> (use the module's parameter name, e.g.
    /// <c>encoder.conv0.0.weight</c>), stored in the graph's float type.</summary>
    public OnnxValue Weight(string name, torch.Tensor tensor)
    {
        Claim(name);
        _graph.Initializer.Add(OnnxTensors.FromFloatTensor(name, tensor, FloatType));
        return new OnnxValue(name);
    }

    /// <summary><see cref="Weight"/> named after the current scope: inside <c>Scope("encoder.3.depthwise")</c>,
    /// <c>Parameter("conv.weight", t)</c> is the initializer <c>encoder.3.depthwise.conv.weight</c>, the module's
    /// state-dict key when scopes follow the module tree.</summary>
    public OnnxValue Parameter(string localName, torch.Tensor tensor) =>
        Weight(_scopes.Count == 0 ? localName : _scopes.Peek() + "." + localName, tensor);

    /// <summary>A float constant in the graph's float type; shape [] for one value, else <paramref name="dims"/> or 1-D.
    /// Equal constants are stored once.</summary>
    public OnnxValue Constant(float value) => Floats([value], []);

    public OnnxValue Floats(float[] values, long[]? dims = null) =>
        FloatConstant(values, dims ?? [values.Length], FloatType);

    /// <summary>float32 whatever the precision: operator inputs the spec types as float (Resize scales).</summary>
    public OnnxValue Float32s(params float[] values) => FloatConstant(values, [values.Length], OnnxTensors.Float);

    private OnnxValue FloatConstant(float[] values, long[] dims, int dataType)
    {
        var key = $"f{dataType}[{string.Join(",", dims)}]" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var name = Unique("const", scoped: false);
        _graph.Initializer.Add(OnnxTensors.FromFloats(name, values, dims, dataType));
        return _constants[key] = new OnnxValue(name);
    }

    /// <summary>A 1-D int64 constant (shapes, axes, indices). <see cref="Int64Scalar"/> for shape [].</summary>
    public OnnxValue Int64s(params long[] values) => Int64Constant(values, [values.Length]);

    public OnnxValue Int64Scalar(long value) => Int64Constant([value], []);

    private OnnxValue Int64Constant(long[] values, long[] dims)
    {
        var key = $"i[{string.Join(",", dims)}]" + string.Join(",", values);
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var name = Unique("const", scoped: false);
        _graph.Initializer.Add(OnnxTensors.FromInt64s(name, values, dims));
        return _constants[key] = new OnnxValue(name);
    }

    /// <summary>Any operator of the default domain with one output; the typed emitters are built on this.</summary>
    public OnnxValue Node(string opType, OnnxValue[] inputs, params AttributeProto[] attributes) =>
        Node(opType, inputs, 1, attributes)[0];

    /// <summary>Any operator with <paramref name="outputs"/> outputs, named after the scope.</summary>
    public OnnxValue[] Node(string opType, OnnxValue[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var nodeName = Unique(opType);
        var names = new string[outputs];
        for (var i = 0; i < outputs; i++) names[i] = outputs == 1 ? nodeName : $"{nodeName}:{i}";
        foreach (var n in names) _names.Add(n);
        Add(nodeName, opType, inputs, names, attributes);
        return names.Select(n => new OnnxValue(n)).ToArray();
    }

    private void Node(string opType, OnnxValue[] inputs, string[] outputs, params AttributeProto[] attributes) =>
        Add(Unique(opType), opType, inputs, outputs, attributes);

    private void Add(string nodeName, string opType, OnnxValue[] inputs, string[] outputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = nodeName, OpType = opType };
        // Trailing omitted optional inputs are dropped; inner ones stay as "".
        var count = inputs.Length;
        while (count > 0 && inputs[count - 1].Name.Length == 0) count--;
        for (var i = 0; i < count; i++) node.Input.Add(inputs[i].Name);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    /// <summary>The finished model (IR version for the opset, producer depth-distill).</summary>
    public ModelProto Build(string? docString = null)
    {
        var model = new ModelProto
        {
            IrVersion = Opset >= 21 ? 10 : Opset >= 19 ? 9 : 8,
            ProducerName = "depth-distill",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "",
            Graph = _graph.Clone(),
            DocString = docString ?? "",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>Writes <see cref="Build"/> to <paramref name="path"/>. Protobuf caps a message at 2 GiB; larger models are refused.</summary>
    public long Save(string path, string? docString = null)
    {
        var model = Build(docString);
        var size = model.CalculateSize();
        if (size < 0 || size > int.MaxValue)
            throw new InvalidOperationException($"{path}: the model is over 2 GiB, which one ONNX protobuf cannot hold; export in float16");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using (var f = File.Create(path)) model.WriteTo(f);
        return size;
    }

    // Constants are shared between scopes (stored once), so they are named outside any.
    private string Unique(string stem, bool scoped = true)
    {
        var prefix = _scopes.Count == 0 || !scoped ? "" : _scopes.Peek() + "/";
        string name;
        do name = $"{prefix}{stem}_{_counter++}"; while (!_names.Add(name));
        return name;
    }

    private void Claim(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("an ONNX value needs a non-empty name", nameof(name));
        if (!_names.Add(name)) throw new ArgumentException($"ONNX value name '{name}' is already used in this graph", nameof(name));
    }

    private static ValueInfoProto ValueInfo(string name, int elemType, OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d.Param is null ? new TensorShapeProto.Types.Dimension { DimValue = d.Value } : new TensorShapeProto.Types.Dimension { DimParam = d.Param });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }
}

/// <summary>ONNX node attributes.</summary>
public static class OnnxAttributes
{
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
