using System.Text;

namespace DepthNode.Cdr;

/// <summary>
/// Decodes any CDR message given its <see cref="RosMsgSchema"/> into a tree: a message is an
/// <see cref="OrderedDictionary{TKey,TValue}"/> of field name → value in .msg order; primitives are their .NET
/// types (bool, byte, sbyte, short, ushort, int, uint, long, ulong, float, double, string); <c>uint8</c>/<c>byte</c>/<c>char</c>
/// arrays are <see cref="ReadOnlyMemory{T}"/> slices of the payload (no copy); other primitive arrays are typed
/// arrays (<c>double[]</c>, <c>string[]</c>, …); arrays of messages are <c>object[]</c>. <see cref="RosMsgJson"/> prints it.
/// </summary>
/// <remarks>
/// A message type without fields (only constants) occupies one placeholder byte, as rosidl generates it.
/// wstring follows rosidl_typesupport_fastrtps: a uint32 count of UTF-16 code units, each serialized as a uint32.
/// Nesting deeper than <see cref="MaxDepth"/> is refused so hostile data cannot exhaust the stack.
/// </remarks>
public static class CdrDynamicDecoder
{
    public const int MaxDepth = 64;

    public static OrderedDictionary<string, object?> Decode(RosMsgSchema schema, ReadOnlyMemory<byte> payload)
    {
        var reader = new CdrReader(payload.Span);
        return DecodeMessage(ref reader, payload, schema.Root, 0);
    }

    private static OrderedDictionary<string, object?> DecodeMessage(ref CdrReader r, ReadOnlyMemory<byte> payload, RosMsgType type, int depth)
    {
        if (depth > MaxDepth) CdrThrow.InvalidValue(type.Name, r.Position, $"messages nested deeper than {MaxDepth} levels");
        var result = new OrderedDictionary<string, object?>(type.Fields.Count, StringComparer.Ordinal);
        // rosidl gives a message without fields one placeholder uint8 (structure_needs_at_least_one_member).
        if (type.Fields.Count == 0) r.ReadByte(type.Name + ".structure_needs_at_least_one_member");
        foreach (var f in type.Fields) result.Add(f.Name, DecodeField(ref r, payload, f, depth));
        return result;
    }

    private static object? DecodeField(ref CdrReader r, ReadOnlyMemory<byte> payload, RosMsgField f, int depth)
    {
        if (f.ArrayKind == RosArrayKind.None)
            return f.Message is { } m ? DecodeMessage(ref r, payload, m, depth + 1) : ReadPrimitive(ref r, f);

        int count;
        var elementSize = f.Message?.MinimumSize ?? (f.Primitive is RosPrimitive.String or RosPrimitive.WString ? 4 : RosMsgSchema.SizeOf(f.Primitive));
        if (f.ArrayKind == RosArrayKind.Fixed)
        {
            count = f.ArrayLength;
            r.EnsureElements(f.QualifiedName, r.Position, (uint)count, elementSize);
        }
        else
        {
            var at = r.Position;
            count = r.ReadSequenceLength(f.QualifiedName, elementSize);
            if (f.ArrayKind == RosArrayKind.Bounded && count > f.ArrayLength)
                CdrThrow.InvalidValue(f.QualifiedName, at, $"sequence of {count} elements exceeds its bound {f.ArrayLength}");
        }

        if (f.Message is { } nested)
        {
            var items = new object?[count];
            for (var i = 0; i < count; i++) items[i] = DecodeMessage(ref r, payload, nested, depth + 1);
            return items;
        }
        switch (f.Primitive)
        {
            case RosPrimitive.UInt8 or RosPrimitive.Byte or RosPrimitive.Char:
            {
                var start = r.Position;
                r.ReadBytes(f.QualifiedName, count);
                return payload.Slice(start, count);
            }
            case RosPrimitive.Bool: return Fill(ref r, f, new bool[count], static (ref CdrReader x, string n) => x.ReadBool(n));
            case RosPrimitive.Int8: return Fill(ref r, f, new sbyte[count], static (ref CdrReader x, string n) => x.ReadInt8(n));
            case RosPrimitive.Int16: return Fill(ref r, f, new short[count], static (ref CdrReader x, string n) => x.ReadInt16(n));
            case RosPrimitive.UInt16: return Fill(ref r, f, new ushort[count], static (ref CdrReader x, string n) => x.ReadUInt16(n));
            case RosPrimitive.Int32: return Fill(ref r, f, new int[count], static (ref CdrReader x, string n) => x.ReadInt32(n));
            case RosPrimitive.UInt32: return Fill(ref r, f, new uint[count], static (ref CdrReader x, string n) => x.ReadUInt32(n));
            case RosPrimitive.Int64: return Fill(ref r, f, new long[count], static (ref CdrReader x, string n) => x.ReadInt64(n));
            case RosPrimitive.UInt64: return Fill(ref r, f, new ulong[count], static (ref CdrReader x, string n) => x.ReadUInt64(n));
            case RosPrimitive.Float32: return Fill(ref r, f, new float[count], static (ref CdrReader x, string n) => x.ReadSingle(n));
            case RosPrimitive.Float64: return Fill(ref r, f, new double[count], static (ref CdrReader x, string n) => x.ReadDouble(n));
            default:
            {
                var strings = new string[count];
                for (var i = 0; i < count; i++) strings[i] = (string)ReadPrimitive(ref r, f);
                return strings;
            }
        }
    }

    private delegate T ElementReader<T>(ref CdrReader reader, string field);

    private static T[] Fill<T>(ref CdrReader r, RosMsgField f, T[] array, ElementReader<T> read)
    {
        for (var i = 0; i < array.Length; i++) array[i] = read(ref r, f.QualifiedName);
        return array;
    }

    private static object ReadPrimitive(ref CdrReader r, RosMsgField f)
    {
        var n = f.QualifiedName;
        switch (f.Primitive)
        {
            case RosPrimitive.Bool: return r.ReadBool(n);
            case RosPrimitive.Byte or RosPrimitive.Char or RosPrimitive.UInt8: return r.ReadByte(n);
            case RosPrimitive.Int8: return r.ReadInt8(n);
            case RosPrimitive.Int16: return r.ReadInt16(n);
            case RosPrimitive.UInt16: return r.ReadUInt16(n);
            case RosPrimitive.Int32: return r.ReadInt32(n);
            case RosPrimitive.UInt32: return r.ReadUInt32(n);
            case RosPrimitive.Int64: return r.ReadInt64(n);
            case RosPrimitive.UInt64: return r.ReadUInt64(n);
            case RosPrimitive.Float32: return r.ReadSingle(n);
            case RosPrimitive.Float64: return r.ReadDouble(n);
            case RosPrimitive.String:
            {
                var at = r.Position;
                var s = r.ReadString(n);
                if (f.StringBound > 0 && Encoding.UTF8.GetByteCount(s) > f.StringBound)
                    CdrThrow.InvalidValue(n, at, $"string longer than its bound {f.StringBound}");
                return s;
            }
            case RosPrimitive.WString:
            {
                var at = r.Position;
                var length = r.ReadSequenceLength(n, 4);
                if (f.StringBound > 0 && length > f.StringBound)
                    CdrThrow.InvalidValue(n, at, $"wstring longer than its bound {f.StringBound}");
                var chars = new char[length];
                for (var i = 0; i < length; i++)
                {
                    var unit = r.ReadUInt32(n);
                    if (unit > char.MaxValue) CdrThrow.InvalidValue(n, r.Position - 4, $"wstring code unit 0x{unit:x} is not UTF-16");
                    chars[i] = (char)unit;
                }
                return new string(chars);
            }
            default: throw new InvalidOperationException($"{n}: not a primitive");
        }
    }
}
