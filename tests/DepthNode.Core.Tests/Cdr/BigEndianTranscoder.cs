using System.Buffers.Binary;
using DepthNode.Cdr;

namespace DepthNode.Core.Tests.Cdr;

/// <summary>
/// Test-only: rewrites a CDR_LE payload as CDR_BE (header 00 00 00 00, every multi-byte value byte-swapped, same
/// alignment), walking the message by its schema. Lets the big-endian read path be checked against real messages.
/// </summary>
internal static class BigEndianTranscoder
{
    public static byte[] ToBigEndian(RosMsgSchema schema, byte[] littleEndian)
    {
        var output = (byte[])littleEndian.Clone();
        output[1] = 0x00;
        var r = new CdrReader(littleEndian);
        Walk(ref r, output, schema.Root);
        return output;
    }

    private static void Walk(ref CdrReader r, byte[] o, RosMsgType type)
    {
        if (type.Fields.Count == 0) r.ReadByte(type.Name);
        foreach (var f in type.Fields)
        {
            var count = 1;
            if (f.ArrayKind == RosArrayKind.Fixed) count = f.ArrayLength;
            else if (f.ArrayKind != RosArrayKind.None) count = (int)Swap32(ref r, o, f.QualifiedName);
            for (var i = 0; i < count; i++)
            {
                if (f.Message is { } m) Walk(ref r, o, m);
                else Primitive(ref r, o, f);
            }
        }
    }

    private static uint Swap32(ref CdrReader r, byte[] o, string name)
    {
        r.Align(4);
        var at = r.Position;
        var v = r.ReadUInt32(name);
        BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(at), v);
        return v;
    }

    private static void Primitive(ref CdrReader r, byte[] o, RosMsgField f)
    {
        switch (RosMsgSchema.SizeOf(f.Primitive))
        {
            case 1: r.ReadByte(f.QualifiedName); return;
            case 2: { r.Align(2); var at = r.Position; BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(at), r.ReadUInt16(f.QualifiedName)); return; }
            case 4: Swap32(ref r, o, f.QualifiedName); return;
            case 8: { r.Align(8); var at = r.Position; BinaryPrimitives.WriteUInt64BigEndian(o.AsSpan(at), r.ReadUInt64(f.QualifiedName)); return; }
        }
        if (f.Primitive == RosPrimitive.String)
        {
            var n = Swap32(ref r, o, f.QualifiedName);
            r.ReadBytes(f.QualifiedName, (int)n);
        }
        else
        {
            var n = Swap32(ref r, o, f.QualifiedName);
            for (var i = 0; i < n; i++) Swap32(ref r, o, f.QualifiedName);
        }
    }
}
