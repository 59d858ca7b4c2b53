using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Export;

/// <summary>Converts between TorchSharp tensors and ONNX <see cref="TensorProto"/>s (raw little-endian data).</summary>
public static class OnnxTensors
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Float16 = (int)TensorProto.Types.DataType.Float16;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;

    /// <summary>A float tensor as an initializer of element type <paramref name="dataType"/> (float32 or float16;
    /// float16 rounds to nearest even, as torch's <c>.half()</c> does).</summary>
    public static TensorProto FromFloatTensor(string name, Tensor tensor, int dataType)
    {
        // The intermediate copies (detach, cpu, float32, contiguous) are native memory: freed here, not by the GC.
        using var scope = torch.NewDisposeScope();
        var cpu = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return FromFloats(name, cpu.data<float>().ToArray(), cpu.shape, dataType);
    }

    public static TensorProto FromFloats(string name, float[] values, long[] dims, int dataType)
    {
        byte[] raw;
        if (dataType == Float) raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        else if (dataType == Float16)
        {
            var half = new Half[values.Length];
            for (var i = 0; i < values.Length; i++) half[i] = (Half)values[i];
            raw = MemoryMarshal.AsBytes(half.AsSpan()).ToArray();
        }
        else throw new ArgumentOutOfRangeException(nameof(dataType), $"float tensor {name} cannot be stored as ONNX data type {dataType}");
        var t = new TensorProto { Name = name, DataType = dataType, RawData = UnsafeByteOperations.UnsafeWrap(raw) };
        t.Dims.AddRange(dims);
        return t;
    }

    public static TensorProto FromInt64s(string name, long[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Int64, RawData = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()) };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>A float32 or float16 initializer as a float32 TorchSharp tensor on the CPU.</summary>
    public static Tensor ToFloatTensor(TensorProto t)
    {
        var dims = t.Dims.ToArray();
        var count = dims.Aggregate(1L, (a, b) => a * b);
        float[] values;
        if (t.DataType == Float)
        {
            if (t.RawData.Length > 0)
            {
                if (t.RawData.Length != count * 4) throw new InvalidDataException($"ONNX initializer '{t.Name}' has {t.RawData.Length} bytes of raw data for {count} float32 values");
                values = MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
            }
            else if (t.FloatData.Count == count) values = t.FloatData.ToArray();
            else throw new InvalidDataException($"ONNX initializer '{t.Name}' has {t.FloatData.Count} float values for shape [{string.Join(",", dims)}]");
        }
        else if (t.DataType == Float16 && t.RawData.Length == count * 2)
        {
            var half = MemoryMarshal.Cast<byte, Half>(t.RawData.Span);
            values = new float[count];
            for (var i = 0; i < count; i++) values[i] = (float)half[i];
        }
        else throw new InvalidDataException($"ONNX initializer '{t.Name}' is of data type {(TensorProto.Types.DataType)t.DataType}; only float32/float16 weights load");
        return torch.tensor(values, dims);
    }
}
