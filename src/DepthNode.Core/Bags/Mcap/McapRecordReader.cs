using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DepthNode.Bags.Mcap;

/// <summary>
/// Sans-IO record lexer over bytes the caller holds (a decompressed chunk, the summary section, a file prefix):
/// yields (opcode, content) pairs and never allocates. When the buffer ends inside a record,
/// <see cref="TryRead"/> returns false and <see cref="BytesNeeded"/> says how many bytes the record needs, so a
/// caller with more data can resume at <see cref="Consumed"/>, and a caller without (a truncated file) knows exactly
/// where the last complete record ended. Parsing the content is left to <see cref="McapRecordParser"/>.
/// </summary>
public ref struct McapRecordReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _baseOffset;
    private int _pos;

    /// <param name="buffer">Whole records, starting at an opcode.</param>
    /// <param name="baseOffset">Absolute offset of <paramref name="buffer"/>[0], used in error positions.</param>
    public McapRecordReader(ReadOnlySpan<byte> buffer, long baseOffset = 0)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
    }

    /// <summary>Bytes of complete records read so far.</summary>
    public readonly int Consumed => _pos;
    /// <summary>After <see cref="TryRead"/> returned false with data left: total bytes the next record needs (header + content).</summary>
    public long BytesNeeded { get; private set; }
    /// <summary>Absolute offset of the record returned last.</summary>
    public long RecordOffset { get; private set; }
    public readonly bool AtEnd => _pos == _buffer.Length;

    /// <summary>Reads the next record; false at the end of the buffer or when the next record is incomplete.</summary>
    public bool TryRead(out McapOpcode opcode, out ReadOnlySpan<byte> content)
    {
        var rest = _buffer[_pos..];
        content = default;
        opcode = 0;
        BytesNeeded = 0;
        if (rest.Length == 0) return false;
        if (rest.Length < McapConstants.RecordHeaderLength)
        {
            BytesNeeded = McapConstants.RecordHeaderLength;
            return false;
        }
        opcode = (McapOpcode)rest[0];
        if (opcode == 0)
            throw new McapException(McapErrorKind.Invalid, _baseOffset + _pos, null, "opcode", "opcode 0 is not a record");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(rest[1..]);
        if (length > (ulong)(rest.Length - McapConstants.RecordHeaderLength))
        {
            BytesNeeded = length > long.MaxValue - 9 ? long.MaxValue : (long)length + McapConstants.RecordHeaderLength;
            return false;
        }
        RecordOffset = _baseOffset + _pos;
        content = rest.Slice(McapConstants.RecordHeaderLength, (int)length);
        _pos += McapConstants.RecordHeaderLength + (int)length;
        return true;
    }

    /// <summary>Like <see cref="TryRead"/>, but an incomplete record is an error (inside a chunk or summary the bytes are all there).</summary>
    public bool Read(out McapOpcode opcode, out ReadOnlySpan<byte> content, string container)
    {
        if (TryRead(out opcode, out content)) return true;
        if (BytesNeeded == 0) return false;
        throw new McapException(McapErrorKind.Truncated, _baseOffset + _pos, container, "records",
            $"record needs {BytesNeeded} bytes, {_buffer.Length - _pos} left");
    }
}

/// <summary>
/// Bounds-checked little-endian field reads over one record's content. Every failure names the record, the field
/// and the absolute offset of the field.
/// </summary>
public ref struct McapFieldReader
{
    private readonly ReadOnlySpan<byte> _content;
    private readonly long _baseOffset;
    private readonly string _record;
    private int _pos;

    public McapFieldReader(ReadOnlySpan<byte> content, long contentOffset, string record)
    {
        _content = content;
        _baseOffset = contentOffset;
        _record = record;
    }

    public readonly int Position => _pos;
    public readonly int Remaining => _content.Length - _pos;

    public byte U8(string field) => Take(1, field)[0];
    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));
    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    /// <summary>u32 byte length + UTF-8; invalid UTF-8 is an error rather than silently replaced.</summary>
    public string String(string field)
    {
        var at = _pos;
        var bytes = Take(U32(field), field);
        try { return StrictUtf8.GetString(bytes); }
        catch (ArgumentException) { throw Error(McapErrorKind.Invalid, at, field, "not valid UTF-8"); }
    }

    /// <summary>
    /// A compression name string. Chunk headers are parsed once per chunk on the read path, so the names writers use
    /// come back as constants instead of a new string per chunk.
    /// </summary>
    public string CompressionName(string field)
    {
        var start = _pos;
        var bytes = Bytes32(field);
        if (bytes.IsEmpty) return "";
        if (bytes.SequenceEqual("zstd"u8)) return "zstd";
        if (bytes.SequenceEqual("lz4"u8)) return "lz4";
        _pos = start;
        return String(field);
    }

    /// <summary>u32-prefixed bytes.</summary>
    public ReadOnlySpan<byte> Bytes32(string field) => Take(U32(field), field);

    /// <summary>Map&lt;string,string&gt;: u32 byte length then key/value strings.</summary>
    public Dictionary<string, string> StringMap(string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var inner = Sub(field);
        while (inner.Remaining > 0)
        {
            var key = inner.String(field + ".key");
            map[key] = inner.String(field + ".value");
        }
        return map;
    }

    /// <summary>Map&lt;u16,u64&gt;.</summary>
    public Dictionary<ushort, ulong> U16U64Map(string field)
    {
        var inner = Sub(field);
        var map = new Dictionary<ushort, ulong>(Math.Min(inner.Remaining / 10, 1024));
        while (inner.Remaining > 0)
        {
            var key = inner.U16(field + ".key");
            map[key] = inner.U64(field + ".value");
        }
        return map;
    }

    /// <summary>A reader over a u32-length-prefixed region (Array / Map), advancing past it.</summary>
    public McapFieldReader Sub(string field)
    {
        var len = U32(field);
        var start = _pos;
        var bytes = Take(len, field);
        return new McapFieldReader(bytes, _baseOffset + start, _record);
    }

    public ReadOnlySpan<byte> Take(ulong count, string field)
    {
        if (count > (ulong)(_content.Length - _pos))
            throw Error(McapErrorKind.Truncated, _pos, field, $"needs {count} bytes, {_content.Length - _pos} left in the record");
        var s = _content.Slice(_pos, (int)count);
        _pos += (int)count;
        return s;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly McapException Error(McapErrorKind kind, int at, string field, string detail) =>
        new(kind, _baseOffset + at, _record, field, detail);

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);
}

/// <summary>Turns record content (from <see cref="McapRecordReader"/>) into typed records. Extra trailing bytes
/// in a known record are ignored, as the spec requires.</summary>
public static class McapRecordParser
{
    public static McapHeader ParseHeader(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Header");
        return new McapHeader(r.String("profile"), r.String("library"));
    }

    public static McapFooter ParseFooter(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Footer");
        return new McapFooter(r.U64("summary_start"), r.U64("summary_offset_start"), r.U32("summary_crc"));
    }

    public static McapSchema ParseSchema(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Schema");
        var id = r.U16("id");
        var name = r.String("name");
        var encoding = r.String("encoding");
        return new McapSchema(id, name, encoding, r.Bytes32("data").ToArray());
    }

    public static McapChannel ParseChannel(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Channel");
        var id = r.U16("id");
        var schemaId = r.U16("schema_id");
        var topic = r.String("topic");
        var encoding = r.String("message_encoding");
        return new McapChannel(id, schemaId, topic, encoding, r.StringMap("metadata"));
    }

    /// <summary>The fixed Message fields; the payload is <c>content[McapConstants.MessageHeaderLength..]</c>.</summary>
    public static McapMessageHeader ParseMessageHeader(ReadOnlySpan<byte> c, long offset)
    {
        if (c.Length < McapConstants.MessageHeaderLength)
            throw new McapException(McapErrorKind.Truncated, offset, "Message", "header", $"needs 22 bytes, record has {c.Length}");
        return new McapMessageHeader(
            BinaryPrimitives.ReadUInt16LittleEndian(c),
            BinaryPrimitives.ReadUInt32LittleEndian(c[2..]),
            BinaryPrimitives.ReadUInt64LittleEndian(c[6..]),
            BinaryPrimitives.ReadUInt64LittleEndian(c[14..]));
    }

    public static McapChunkHeader ParseChunkHeader(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Chunk");
        var start = r.U64("message_start_time");
        var end = r.U64("message_end_time");
        var size = r.U64("uncompressed_size");
        var crc = r.U32("uncompressed_crc");
        var compression = r.CompressionName("compression");
        var len = r.U64("records_length");
        if (len > (ulong)r.Remaining)
            throw new McapException(McapErrorKind.Truncated, offset + r.Position, "Chunk", "records",
                $"needs {len} bytes, {r.Remaining} left in the record");
        return new McapChunkHeader(start, end, size, crc, compression, r.Position, (long)len);
    }

    public static McapChunkIndex ParseChunkIndex(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "ChunkIndex");
        return new McapChunkIndex(r.U64("message_start_time"), r.U64("message_end_time"), r.U64("chunk_start_offset"),
            r.U64("chunk_length"), r.U16U64Map("message_index_offsets"), r.U64("message_index_length"),
            r.String("compression"), r.U64("compressed_size"), r.U64("uncompressed_size"));
    }

    public static McapStatistics ParseStatistics(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Statistics");
        return new McapStatistics(r.U64("message_count"), r.U16("schema_count"), r.U32("channel_count"), r.U32("attachment_count"),
            r.U32("metadata_count"), r.U32("chunk_count"), r.U64("message_start_time"), r.U64("message_end_time"),
            r.U16U64Map("channel_message_counts"));
    }

    public static McapMetadata ParseMetadata(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "Metadata");
        return new McapMetadata(r.String("name"), r.StringMap("metadata"));
    }

    public static McapMetadataIndex ParseMetadataIndex(ReadOnlySpan<byte> c, long offset)
    {
        var r = new McapFieldReader(c, offset, "MetadataIndex");
        return new McapMetadataIndex(r.U64("offset"), r.U64("length"), r.String("name"));
    }

    public static uint ParseDataEnd(ReadOnlySpan<byte> c, long offset) => new McapFieldReader(c, offset, "DataEnd").U32("data_section_crc");
}
