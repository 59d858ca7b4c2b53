using System.Buffers.Binary;
using System.Text.Json;

namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// The JSON header of a safetensors file (8-byte little-endian length, then JSON: name → dtype, shape, byte range),
/// checked against the file before any tensor is read. TorchSharp.PyBridge reads the tensors; this part exists
/// because PyBridge reports a truncated or malformed file as a bare EndOfStream/JSON/libtorch error without the file
/// or tensor name, and reads a file cut short without complaint into a garbage tensor.
/// </summary>
public sealed record SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsEntry> Tensors, long DataStart)
{
    // A real header is a few hundred kB at most (the large model's has ~450 entries); more means a wrong file.
    private const long MaxHeaderBytes = 100 << 20;

    private static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>True when the file starts like a safetensors file (a plausible header length, then '{').</summary>
    public static bool Looks(ReadOnlySpan<byte> first9) =>
        first9.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(first9) is > 1 and < MaxHeaderBytes && first9[8] == (byte)'{';

    public static SafetensorsHeader Read(string path)
    {
        using var stream = File.OpenRead(path);
        var fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > fileLength)
            throw Bad(path, $"header length {headerLength} does not fit in the {fileLength}-byte file");

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var entries = new Dictionary<string, SafetensorsEntry>();
        var dataStart = 8 + (long)headerLength;
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__") continue;
                var dtype = p.Value.GetProperty("dtype").GetString() ?? "";
                var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                entries[p.Name] = new SafetensorsEntry(dtype, shape, offsets[0], offsets[1]);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw Bad(path, $"header is not valid safetensors JSON ({e.Message})");
        }

        foreach (var (name, e) in entries)
        {
            if (!ElementSizes.TryGetValue(e.DType, out var elementSize))
                throw Bad(path, $"tensor '{name}' has unsupported dtype {e.DType}");
            var expected = e.Shape.Aggregate(1L, (a, d) => checked(a * d)) * elementSize;
            if (e.End - e.Start != expected || e.Start < 0)
                throw Bad(path, $"tensor '{name}' ({e.DType} [{string.Join(",", e.Shape)}]) spans bytes {e.Start}..{e.End}, expected {expected} bytes");
            if (dataStart + e.End > fileLength)
                throw Bad(path, $"file is truncated: tensor '{name}' ends at byte {dataStart + e.End}, the file has {fileLength}");
        }
        return new SafetensorsHeader(entries, dataStart);
    }

    private static CheckpointException Bad(string path, string why) => new($"checkpoint {path}: not a readable safetensors file: {why}");
}

public sealed record SafetensorsEntry(string DType, long[] Shape, long Start, long End);
