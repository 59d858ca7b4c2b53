using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training.Checkpoints;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// <c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}}</c> with names sorted, then the raw little-endian
/// tensor bytes. Enough of it for a student's state dict (F32, F64, I64, F16, BF16, BOOL, U8).
/// </summary>
public static class SafeTensorsFile
{
    private static readonly (ScalarType Type, string Name, int Size)[] Types =
    [
        (ScalarType.Float32, "F32", 4), (ScalarType.Float64, "F64", 8), (ScalarType.Int64, "I64", 8), (ScalarType.Int32, "I32", 4),
        (ScalarType.Float16, "F16", 2), (ScalarType.BFloat16, "BF16", 2), (ScalarType.Bool, "BOOL", 1), (ScalarType.Byte, "U8", 1),
    ];

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors are written on little-endian machines");
        var header = new JsonObject();
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var type = Types.FirstOrDefault(x => x.Type == t.dtype);
            if (type.Name is null) throw new NotSupportedException($"safetensors: tensor {name} has type {t.dtype}");
            using var cpu = t.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = type.Name,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var b in blobs) stream.Write(b);
        stream.Flush(flushToDisk: true);
    }

    public static Dictionary<string, Tensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            if (headerLength < 2 || 8 + headerLength > bytes.Length) throw new InvalidDataException("header length out of range");
            var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject();
            var data = 8 + headerLength;
            var result = new Dictionary<string, Tensor>();
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                var typeName = node!["dtype"]!.GetValue<string>();
                var type = Types.FirstOrDefault(x => x.Name == typeName);
                if (type.Name is null) throw new InvalidDataException($"tensor {name} has unsupported dtype {typeName}");
                var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || offsets[1] - offsets[0] != count * type.Size || data + offsets[1] > bytes.Length)
                    throw new InvalidDataException($"tensor {name}: data_offsets do not fit its shape or the file");
                var t = empty(shape, type.Type);
                bytes.AsSpan((int)(data + offsets[0]), (int)(offsets[1] - offsets[0])).CopyTo(t.bytes);
                result[name] = t;
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a readable safetensors file ({e.Message})", e);
        }
    }
}
