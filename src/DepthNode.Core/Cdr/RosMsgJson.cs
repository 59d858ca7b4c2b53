using System.Security.Cryptography;
using System.Text.Json;

namespace DepthNode.Cdr;

/// <summary>
/// Writes a tree from <see cref="CdrDynamicDecoder"/> as JSON. Fields keep their .msg names. <c>uint8</c>/<c>byte</c>/<c>char</c>
/// arrays of more than <see cref="ByteArrayInlineLimit"/> elements print as <c>{"length": n, "sha256": "hex"}</c>,
/// shorter ones as number arrays. Floats print shortest round-trippable; NaN and ±infinity, which JSON cannot
/// express, print as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>.
/// </summary>
public static class RosMsgJson
{
    public const int ByteArrayInlineLimit = 256;

    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case OrderedDictionary<string, object?> message:
                w.WriteStartObject();
                foreach (var (key, v) in message) { w.WritePropertyName(key); Write(w, v); }
                w.WriteEndObject();
                break;
            case ReadOnlyMemory<byte> bytes: WriteBytes(w, bytes.Span); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case byte v: w.WriteNumberValue(v); break;
            case sbyte v: w.WriteNumberValue(v); break;
            case short v: w.WriteNumberValue(v); break;
            case ushort v: w.WriteNumberValue(v); break;
            case int v: w.WriteNumberValue(v); break;
            case uint v: w.WriteNumberValue(v); break;
            case long v: w.WriteNumberValue(v); break;
            case ulong v: w.WriteNumberValue(v); break;
            case float v: if (float.IsFinite(v)) w.WriteNumberValue(v); else w.WriteStringValue(NonFinite(v)); break;
            case double v: if (double.IsFinite(v)) w.WriteNumberValue(v); else w.WriteStringValue(NonFinite(v)); break;
            case System.Collections.IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items) Write(w, item);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"not a decoded CDR value: {value.GetType()}");
        }
    }

    private static string NonFinite(double v) => double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";

    private static void WriteBytes(Utf8JsonWriter w, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= ByteArrayInlineLimit)
        {
            w.WriteStartArray();
            foreach (var b in bytes) w.WriteNumberValue(b);
            w.WriteEndArray();
            return;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        w.WriteStartObject();
        w.WriteNumber("length", bytes.Length);
        w.WriteString("sha256", Convert.ToHexStringLower(hash));
        w.WriteEndObject();
    }

    /// <summary>Non-ASCII text stays readable (UTF-8) instead of \u escapes; the output is still valid JSON.</summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The tree as one line of JSON (for tests and the CLI).</summary>
    public static string ToJson(object? value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Options)) Write(w, value);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
