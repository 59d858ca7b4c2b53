using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace DepthNode.Bags.Mcap;

public sealed record McapWriterOptions
{
    /// <summary>Header profile; rosbag2 writes <c>ros2</c>.</summary>
    public string Profile { get; init; } = "ros2";
    public string Library { get; init; } = "DepthNode mcap writer";
    /// <summary>Group messages into Chunk records (followed by MessageIndex records) so readers can seek.</summary>
    public bool UseChunks { get; init; } = true;
    /// <summary>A chunk is closed once its uncompressed records reach this size (rosbag2/libmcap default: 768 KiB).</summary>
    public int ChunkSize { get; init; } = 768 * 1024;
    public McapCompression Compression { get; init; } = McapCompression.None;
    public int ZstdLevel { get; init; } = 1;
    public bool ChunkCrc { get; init; } = true;
    public bool DataSectionCrc { get; init; } = true;
    public bool SummaryCrc { get; init; } = true;
    /// <summary>Write the summary section (schemas, channels, statistics, chunk/metadata indexes). Without it the file is
    /// complete but index-less: readers must scan it.</summary>
    public bool WriteSummary { get; init; } = true;
}

/// <summary>
/// Writes an MCAP file: Header, data section (schemas, channels, messages — in chunks with their message indexes, or
/// unchunked), DataEnd with the data CRC, a summary section (schemas, channels, statistics, chunk and metadata
/// indexes) with summary offsets, and the footer with the summary CRC. Record buffers are reused; the only growth is
/// the per-chunk index, so steady-state writing allocates nothing per message.
/// </summary>
public sealed class McapWriter : IDisposable
{
    private readonly Stream _out;
    private readonly bool _leaveOpen;
    private readonly McapWriterOptions _options;
    private readonly RecordBuffer _record = new();
    private readonly RecordBuffer _chunk = new() { IsChunk = true };
    private readonly BoundedPooledBuffer _compressed = new();
    private readonly Crc32 _dataCrc = new();
    private readonly Crc32 _summaryCrc = new();
    private readonly List<McapSchema> _schemas = [];
    private readonly List<McapChannel> _channels = [];
    private readonly Dictionary<ushort, ulong> _channelCounts = [];
    private readonly List<McapChunkIndex> _chunkIndexes = [];
    private readonly List<McapMetadataIndex> _metadataIndexes = [];
    // Message index of the open chunk: channel id -> (log_time, offset in uncompressed records).
    private readonly SortedDictionary<ushort, List<(ulong Time, ulong Offset)>> _chunkMessageIndex = [];
    private readonly Stack<List<(ulong, ulong)>> _freeIndexLists = new();
    private Compressor? _zstd;
    private long _position;
    private bool _inSummary;
    private bool _finished;
    private ulong _messageCount, _startTime = ulong.MaxValue, _endTime;
    private ulong _chunkStart = ulong.MaxValue, _chunkEnd;
    private uint _chunkCount;

    public static McapWriter Create(string path, McapWriterOptions? options = null) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), options);

    public McapWriter(Stream output, McapWriterOptions? options = null, bool leaveOpen = false)
    {
        _out = output;
        _leaveOpen = leaveOpen;
        _options = options ?? new McapWriterOptions();
        Emit(McapConstants.Magic);
        _record.Begin(McapOpcode.Header).String(_options.Profile).String(_options.Library).End();
        EmitRecord(_record);
    }

    /// <summary>Bytes written so far.</summary>
    public long Position => _position;

    public ushort AddSchema(string name, string encoding, ReadOnlySpan<byte> data)
    {
        var schema = new McapSchema((ushort)(_schemas.Count + 1), name, encoding, data.ToArray());
        if (_schemas.Count >= ushort.MaxValue) throw new InvalidOperationException("MCAP allows at most 65535 schemas");
        _schemas.Add(schema);
        WriteSchema(DataTarget(), schema);
        return schema.Id;
    }

    public ushort AddChannel(ushort schemaId, string topic, string messageEncoding, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (schemaId > _schemas.Count) throw new ArgumentOutOfRangeException(nameof(schemaId), $"schema {schemaId} was not added");
        if (_channels.Count >= ushort.MaxValue) throw new InvalidOperationException("MCAP allows at most 65535 channels");
        var channel = new McapChannel((ushort)_channels.Count, schemaId, topic, messageEncoding,
            new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal));
        _channels.Add(channel);
        _channelCounts[channel.Id] = 0;
        WriteChannel(DataTarget(), channel);
        return channel.Id;
    }

    public void WriteMessage(ushort channelId, uint sequence, ulong logTime, ulong publishTime, ReadOnlySpan<byte> data)
    {
        if (channelId >= _channels.Count) throw new ArgumentOutOfRangeException(nameof(channelId), $"channel {channelId} was not added");
        if (_finished) throw new InvalidOperationException("the writer is finished");
        _messageCount++;
        _channelCounts[channelId]++;
        _startTime = Math.Min(_startTime, logTime);
        _endTime = Math.Max(_endTime, logTime);
        if (!_options.UseChunks)
        {
            WriteMessageRecord(_record, channelId, sequence, logTime, publishTime, data);
            EmitRecord(_record);
            return;
        }
        if (!_chunkMessageIndex.TryGetValue(channelId, out var index))
        {
            index = _freeIndexLists.TryPop(out var free) ? free : [];
            _chunkMessageIndex[channelId] = index;
        }
        index.Add((logTime, (ulong)_chunk.Length));
        _chunkStart = Math.Min(_chunkStart, logTime);
        _chunkEnd = Math.Max(_chunkEnd, logTime);
        WriteMessageRecord(_chunk, channelId, sequence, logTime, publishTime, data);
        if (_chunk.Length >= _options.ChunkSize) FlushChunk();
    }

    /// <summary>A Metadata record (e.g. rosbag2's <c>rosbag2</c> record), indexed in the summary.</summary>
    public void WriteMetadata(string name, IReadOnlyDictionary<string, string> values)
    {
        FlushChunk();
        var offset = (ulong)_position;
        _record.Begin(McapOpcode.Metadata).String(name).Map(values).End();
        EmitRecord(_record);
        _metadataIndexes.Add(new McapMetadataIndex(offset, (ulong)_record.Length, name));
    }

    /// <summary>Closes the data section and writes the summary, footer and closing magic. Idempotent.</summary>
    public void Finish()
    {
        if (_finished) return;
        FlushChunk();
        _finished = true;
        _record.Begin(McapOpcode.DataEnd).U32(_options.DataSectionCrc ? _dataCrc.GetCurrentHashAsUInt32() : 0).End();
        EmitRecord(_record);

        if (!_options.WriteSummary)
        {
            Span<byte> bare = stackalloc byte[McapConstants.FooterRecordLength];
            bare.Clear();
            bare[0] = (byte)McapOpcode.Footer;
            BinaryPrimitives.WriteUInt64LittleEndian(bare[1..], 20);
            Emit(bare);
            Emit(McapConstants.Magic);
            _out.Flush();
            return;
        }
        _inSummary = true;
        var summaryStart = (ulong)_position;
        var groups = new List<(McapOpcode Op, ulong Start, ulong Length)>();
        void Group(McapOpcode op, Action write)
        {
            var start = (ulong)_position;
            write();
            if ((ulong)_position > start) groups.Add((op, start, (ulong)_position - start));
        }
        Group(McapOpcode.Schema, () => { foreach (var s in _schemas) WriteSchema(_record, s); });
        Group(McapOpcode.Channel, () => { foreach (var c in _channels) WriteChannel(_record, c); });
        Group(McapOpcode.Statistics, () =>
        {
            _record.Begin(McapOpcode.Statistics).U64(_messageCount).U16((ushort)_schemas.Count).U32((uint)_channels.Count).U32(0)
                .U32((uint)_metadataIndexes.Count).U32(_chunkCount)
                .U64(_messageCount == 0 ? 0 : _startTime).U64(_messageCount == 0 ? 0 : _endTime);
            var map = _record.BeginPrefixed();
            foreach (var (id, n) in _channelCounts.OrderBy(kv => kv.Key)) _record.U16(id).U64(n);
            _record.EndPrefixed(map).End();
            EmitRecord(_record);
        });
        Group(McapOpcode.ChunkIndex, () =>
        {
            foreach (var ci in _chunkIndexes)
            {
                _record.Begin(McapOpcode.ChunkIndex).U64(ci.MessageStartTime).U64(ci.MessageEndTime).U64(ci.ChunkStartOffset).U64(ci.ChunkLength);
                var map = _record.BeginPrefixed();
                foreach (var (id, off) in ci.MessageIndexOffsets) _record.U16(id).U64(off);
                _record.EndPrefixed(map).U64(ci.MessageIndexLength).String(ci.Compression).U64(ci.CompressedSize).U64(ci.UncompressedSize).End();
                EmitRecord(_record);
            }
        });
        Group(McapOpcode.MetadataIndex, () =>
        {
            foreach (var mi in _metadataIndexes)
            {
                _record.Begin(McapOpcode.MetadataIndex).U64(mi.Offset).U64(mi.Length).String(mi.Name).End();
                EmitRecord(_record);
            }
        });
        var summaryOffsetStart = (ulong)_position;
        foreach (var (op, start, length) in groups)
        {
            _record.Begin(McapOpcode.SummaryOffset).U8((byte)op).U64(start).U64(length).End();
            EmitRecord(_record);
        }
        Span<byte> footer = stackalloc byte[McapConstants.FooterRecordLength];
        footer[0] = (byte)McapOpcode.Footer;
        BinaryPrimitives.WriteUInt64LittleEndian(footer[1..], 20);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[9..], summaryStart);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[17..], summaryOffsetStart);
        _summaryCrc.Append(footer[..25]);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[25..], _options.SummaryCrc ? _summaryCrc.GetCurrentHashAsUInt32() : 0);
        _inSummary = false;
        Emit(footer);
        Emit(McapConstants.Magic);
        _out.Flush();
    }

    public void Dispose()
    {
        try { Finish(); }
        finally
        {
            _zstd?.Dispose();
            _compressed.Dispose();
            _record.Dispose();
            _chunk.Dispose();
            if (!_leaveOpen) _out.Dispose();
        }
    }

    // ---- records -----------------------------------------------------------------------------------------------

    /// <summary>Where a schema or channel goes: the open chunk if it holds records, else straight into the data section.</summary>
    private RecordBuffer DataTarget() => _options.UseChunks && _chunk.Length > 0 ? _chunk : _record;

    private void WriteSchema(RecordBuffer b, McapSchema s)
    {
        b.Begin(McapOpcode.Schema).U16(s.Id).String(s.Name).String(s.Encoding).U32((uint)s.Data.Length).Raw(s.Data).End();
        if (b == _record) EmitRecord(_record);
    }

    private void WriteChannel(RecordBuffer b, McapChannel c)
    {
        b.Begin(McapOpcode.Channel).U16(c.Id).U16(c.SchemaId).String(c.Topic).String(c.MessageEncoding).Map(c.Metadata).End();
        if (b == _record) EmitRecord(_record);
    }

    private static void WriteMessageRecord(RecordBuffer b, ushort channelId, uint sequence, ulong logTime, ulong publishTime, ReadOnlySpan<byte> data) =>
        b.Begin(McapOpcode.Message).U16(channelId).U32(sequence).U64(logTime).U64(publishTime).Raw(data).End();

    private void FlushChunk()
    {
        if (!_options.UseChunks || _chunk.Length == 0) return;
        var records = _chunk.Written;
        var crc = _options.ChunkCrc ? Crc32.HashToUInt32(records) : 0;
        ReadOnlySpan<byte> body;
        string compression;
        switch (_options.Compression)
        {
            case McapCompression.Zstd:
                _zstd ??= new Compressor(_options.ZstdLevel);
                var dst = _compressed.ResetTo(Compressor.GetCompressBound(records.Length));
                body = dst[.._zstd.Wrap(records, dst)];
                compression = "zstd";
                break;
            case McapCompression.Lz4:
                _compressed.Reset(System.Array.MaxLength);
                LZ4Frame.Encode(records, _compressed, LZ4Level.L00_FAST);
                body = _compressed.Span;
                compression = "lz4";
                break;
            default:
                body = records;
                compression = "";
                break;
        }
        var hasMessages = _chunkMessageIndex.Count > 0;
        var start = hasMessages ? _chunkStart : 0;
        var end = hasMessages ? _chunkEnd : 0;
        var chunkOffset = (ulong)_position;
        _record.Begin(McapOpcode.Chunk).U64(start).U64(end).U64((ulong)records.Length).U32(crc).String(compression).U64((ulong)body.Length);
        // The header is tiny; the body goes straight from the compression buffer to the output.
        var headerLength = _record.Length + body.Length;
        _record.PatchLength(headerLength - 9);
        Emit(_record.Written);
        Emit(body);
        var chunkLength = (ulong)_position - chunkOffset;

        var indexStart = (ulong)_position;
        var offsets = new Dictionary<ushort, ulong>();
        foreach (var (channel, entries) in _chunkMessageIndex)
        {
            offsets[channel] = (ulong)_position;
            _record.Begin(McapOpcode.MessageIndex).U16(channel).U32((uint)(entries.Count * 16));
            foreach (var (time, offset) in entries) _record.U64(time).U64(offset);
            _record.End();
            EmitRecord(_record);
            entries.Clear();
            _freeIndexLists.Push(entries);
        }
        _chunkMessageIndex.Clear();
        _chunkIndexes.Add(new McapChunkIndex(start, end, chunkOffset, chunkLength, offsets, (ulong)_position - indexStart, compression,
            (ulong)body.Length, (ulong)records.Length));
        _chunkCount++;
        _chunk.Clear();
        _chunkStart = ulong.MaxValue;
        _chunkEnd = 0;
    }

    private void EmitRecord(RecordBuffer b) => Emit(b.Written);

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        _position += bytes.Length;
        if (_inSummary) _summaryCrc.Append(bytes);
        else if (!_finished) _dataCrc.Append(bytes);
    }

    /// <summary>One record (or a chunk's records) being built: opcode, u64 length patched at <see cref="End"/>, fields.</summary>
    private sealed class RecordBuffer : IDisposable
    {
        private byte[] _buf = ArrayPool<byte>.Shared.Rent(4096);
        private int _len;
        private int _recordStart;

        public int Length => _len;
        public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);
        public void Clear() => _len = 0;

        /// <summary>Starts a record; a record buffer that is not a chunk is cleared first.</summary>
        public RecordBuffer Begin(McapOpcode op)
        {
            if (!IsChunk) _len = 0;
            _recordStart = _len;
            U8((byte)op).U64(0);
            return this;
        }

        /// <summary>Set by the writer for the chunk buffer, which accumulates records.</summary>
        public bool IsChunk { get; init; }

        public RecordBuffer End() { PatchLength(_len - _recordStart - 9); return this; }
        public void PatchLength(long length) => BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(_recordStart + 1), (ulong)length);

        public RecordBuffer U8(byte v) { Grow(1)[0] = v; return this; }
        public RecordBuffer U16(ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), v); return this; }
        public RecordBuffer U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), v); return this; }
        public RecordBuffer U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), v); return this; }
        public RecordBuffer Raw(ReadOnlySpan<byte> v) { v.CopyTo(Grow(v.Length)); return this; }

        public RecordBuffer String(string s)
        {
            var n = Encoding.UTF8.GetByteCount(s);
            U32((uint)n);
            Encoding.UTF8.GetBytes(s, Grow(n));
            return this;
        }

        public RecordBuffer Map(IReadOnlyDictionary<string, string> map)
        {
            var at = BeginPrefixed();
            // Sorted keys: deterministic output, and the order libmcap (std::map) uses.
            foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) String(k).String(v);
            return EndPrefixed(at);
        }

        public int BeginPrefixed() { U32(0); return _len; }
        public RecordBuffer EndPrefixed(int at) { BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(at - 4), (uint)(_len - at)); return this; }

        private Span<byte> Grow(int n)
        {
            if (_len + n > _buf.Length)
            {
                var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)_buf.Length * 2, (long)_len + n + 4096), System.Array.MaxLength));
                _buf.AsSpan(0, _len).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_buf);
                _buf = next;
            }
            var s = _buf.AsSpan(_len, n);
            _len += n;
            return s;
        }

        public void Dispose() { ArrayPool<byte>.Shared.Return(_buf); _buf = []; }
    }
}
