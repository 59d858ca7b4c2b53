using System.Buffers.Binary;
using System.IO.Hashing;

namespace DepthNode.Bags.Mcap;

public sealed partial class McapReader
{
    /// <summary>One decompressed chunk and its selected messages in log-time order. Pooled: buffers are reused.</summary>
    private sealed class ChunkCursor : IDisposable
    {
        public readonly BoundedPooledBuffer Records = new();
        public readonly List<Entry> Entries = [];
        public int Index;
        public long Order;
        public long RecordsOffset;
        /// <summary>The chunk was cut off by the end of the file: an incomplete last record is expected.</summary>
        public bool IsPartial;

        public readonly record struct Entry(ulong LogTime, int Offset, int Length) : IComparable<Entry>
        {
            public int CompareTo(Entry other) => LogTime != other.LogTime ? LogTime.CompareTo(other.LogTime) : Offset.CompareTo(other.Offset);
        }

        public ulong CurrentTime => Entries[Index].LogTime;
        public void Dispose() => Records.Dispose();
    }

    private ChunkCursor RentCursor()
    {
        var c = _freeCursors.TryPop(out var free) ? free : new ChunkCursor();
        c.Entries.Clear();
        c.Index = 0;
        return c;
    }

    private void ReturnCursor(ChunkCursor c) => _freeCursors.Push(c);

    private sealed class ChannelSelection(McapMessageFilter filter, McapReader reader)
    {
        private readonly Dictionary<ushort, McapChannel?> _selected = [];

        /// <summary>The channel if messages on it are wanted, else null; unknown channel ids are an error.</summary>
        public McapChannel? Select(ushort id, long offset)
        {
            if (_selected.TryGetValue(id, out var c)) return c;
            if (!reader._channels.TryGetValue(id, out var channel))
                throw new McapException(McapErrorKind.Invalid, offset, "Message", "channel_id", $"channel {id} was not defined before its first message");
            c = filter.Channels is null || filter.Channels(channel) ? channel : null;
            _selected[id] = c;
            return c;
        }

        public bool Wants(ushort id) => !reader._channels.TryGetValue(id, out var ch) || filter.Channels is null || filter.Channels(ch);
    }

    /// <summary>Lexes a decoded chunk: registers its schemas/channels and collects the wanted messages, sorted by log time.</summary>
    private void IndexChunk(ChunkCursor cursor, ReadOnlySpan<byte> records, McapMessageFilter filter, ChannelSelection channels)
    {
        var lexer = new McapRecordReader(records, cursor.RecordsOffset);
        var sorted = true;
        ulong last = 0;
        while (true)
        {
            var start = lexer.Consumed;
            if (!lexer.TryRead(out var op, out var content)) break;
            var at = lexer.RecordOffset + 9;
            switch (op)
            {
                case McapOpcode.Schema: AddSchema(McapRecordParser.ParseSchema(content, at), at); break;
                case McapOpcode.Channel: AddChannel(McapRecordParser.ParseChannel(content, at), at); break;
                case McapOpcode.Message:
                    var h = McapRecordParser.ParseMessageHeader(content, at);
                    if (h.LogTime < filter.StartTime || h.LogTime >= filter.EndTime) break;
                    if (channels.Select(h.ChannelId, at) is null) break;
                    if (h.LogTime < last) sorted = false;
                    last = h.LogTime;
                    cursor.Entries.Add(new ChunkCursor.Entry(h.LogTime, start + 9, content.Length));
                    break;
            }
        }
        if (!lexer.AtEnd)
        {
            if (!cursor.IsPartial)
                throw new McapException(McapErrorKind.Truncated, cursor.RecordsOffset + lexer.Consumed, "Chunk", "records",
                    $"record needs {lexer.BytesNeeded} bytes, {records.Length - lexer.Consumed} left in the chunk");
        }
        if (!sorted) cursor.Entries.Sort();
    }

    private McapMessageView View(ChunkCursor cursor, ChannelSelection channels)
    {
        var e = cursor.Entries[cursor.Index];
        var content = cursor.Records.Array.AsSpan(e.Offset, e.Length);
        var h = McapRecordParser.ParseMessageHeader(content, cursor.RecordsOffset + e.Offset);
        return new McapMessageView(channels.Select(h.ChannelId, cursor.RecordsOffset + e.Offset)!, h.Sequence, h.LogTime, h.PublishTime,
            cursor.Records.Array.AsMemory(e.Offset + McapConstants.MessageHeaderLength, e.Length - McapConstants.MessageHeaderLength));
    }

    /// <summary>A top-level Chunk or Message record found by <see cref="MapDataSection"/>, with its log-time range.</summary>
    private readonly record struct DataSlot(long Offset, ulong Length, bool IsChunk, ulong Start, ulong End);

    /// <summary>
    /// Without a summary, first map the data section cheaply (record headers, chunk time ranges, message times;
    /// schemas and channels) to learn whether file order is log-time order. Usually it is (rosbag2 writes in receive
    /// order) and the streaming scan runs; otherwise the slots are merged by log time exactly like indexed chunks.
    /// </summary>
    private IEnumerable<McapMessageView> UnindexedRead(McapMessageFilter filter)
    {
        var slots = MapDataSection(out var ordered, out var tail);
        foreach (var m in ordered ? LinearScan(filter, metadataOnly: false, null) : MergeSlots(slots, filter, tail)) yield return m;
    }

    private List<DataSlot> MapDataSection(out bool ordered, out long? tail)
    {
        tail = null;
        var slots = new List<DataSlot>();
        Span<byte> head = stackalloc byte[McapConstants.MessageHeaderLength];
        ordered = true;
        ulong maxEnd = 0;
        var pos = _dataStart;
        while (TryReadRecordHeader(pos, out var op, out var len) && len <= (ulong)(_length - pos - 9))
        {
            var content = pos + 9;
            switch (op)
            {
                case 0: throw new McapException(McapErrorKind.Invalid, pos, null, "opcode", "opcode 0 is not a record");
                case McapOpcode.Schema: AddSchema(McapRecordParser.ParseSchema(ReadContent(content, len, "Schema"), content), content); break;
                case McapOpcode.Channel: AddChannel(McapRecordParser.ParseChannel(ReadContent(content, len, "Channel"), content), content); break;
                case McapOpcode.Chunk or McapOpcode.Message:
                    var isChunk = op == McapOpcode.Chunk;
                    var need = isChunk ? 16 : McapConstants.MessageHeaderLength;
                    if (len < (ulong)need) throw new McapException(McapErrorKind.Truncated, content, McapConstants.Name(op), "header", $"needs {need} bytes, record has {len}");
                    ReadExactly(content, head[..need]);
                    ulong start, end;
                    if (isChunk) { start = BinaryPrimitives.ReadUInt64LittleEndian(head); end = BinaryPrimitives.ReadUInt64LittleEndian(head[8..]); }
                    else start = end = McapRecordParser.ParseMessageHeader(head, content).LogTime;
                    // An empty chunk (schemas only) has no time range.
                    if (isChunk && start == 0 && end == 0) { slots.Add(new DataSlot(pos, len, true, 0, 0)); break; }
                    if (start < maxEnd) ordered = false;
                    maxEnd = Math.Max(maxEnd, end);
                    slots.Add(new DataSlot(pos, len, isChunk, start, end));
                    break;
            }
            if (op is McapOpcode.DataEnd or McapOpcode.Footer) return slots;
            pos = content + (long)len;
        }
        tail = pos;
        // Cut off: the streaming scan handles (and reports) the partial record; merge only whole records.
        return slots;
    }

    private IEnumerable<McapMessageView> MergeSlots(List<DataSlot> slots, McapMessageFilter filter, long? tail)
    {
        var channels = new ChannelSelection(filter, this);
        slots.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Offset.CompareTo(b.Offset));
        var queue = new PriorityQueue<ChunkCursor, (ulong Time, long Order)>();
        var next = 0;
        try
        {
            while (true)
            {
                while (next < slots.Count && (queue.Count == 0 || slots[next].Start <= queue.Peek().CurrentTime))
                {
                    var slot = slots[next++];
                    if (slot.End < filter.StartTime || slot.Start >= filter.EndTime) continue;
                    var cursor = RentCursor();
                    cursor.Order = slot.Offset;
                    if (slot.IsChunk)
                    {
                        LoadChunk(slot.Offset, slot.Length + 9, cursor);
                        IndexChunk(cursor, cursor.Records.Span, filter, channels);
                    }
                    else
                    {
                        // A top-level message: its record becomes a one-record "chunk".
                        var record = cursor.Records.ResetTo((int)slot.Length + 9);
                        ReadExactly(slot.Offset, record);
                        cursor.RecordsOffset = slot.Offset;
                        cursor.IsPartial = false;
                        IndexChunk(cursor, record, filter, channels);
                    }
                    if (cursor.Entries.Count > 0) queue.Enqueue(cursor, (cursor.CurrentTime, cursor.Order));
                    else ReturnCursor(cursor);
                }
                if (!queue.TryDequeue(out var c, out _)) break;
                yield return View(c, channels);
                if (++c.Index < c.Entries.Count) queue.Enqueue(c, (c.CurrentTime, c.Order));
                else ReturnCursor(c);
            }
        }
        finally
        {
            while (queue.TryDequeue(out var c, out _)) ReturnCursor(c);
        }
        // Whatever lies after the last whole record (a cut) is reported and, for an uncompressed chunk, read by the scan.
        if (tail is { } from)
            foreach (var m in LinearScan(filter, metadataOnly: false, null, from)) yield return m;
    }

    /// <summary>Reads the chunk record at <paramref name="offset"/> and decodes it into <paramref name="cursor"/>.</summary>
    private void LoadChunk(long offset, ulong maxLength, ChunkCursor cursor)
    {
        if (!TryReadRecordHeader(offset, out var op, out var len) || op != McapOpcode.Chunk)
            throw new McapException(McapErrorKind.Invalid, offset, "ChunkIndex", "chunk_start_offset", "does not point at a Chunk record");
        if (len > maxLength - 9 || len > (ulong)(_length - offset - 9))
            throw new McapException(McapErrorKind.Invalid, offset, "Chunk", "length", $"{len} bytes runs past the chunk length {maxLength} or the file end");
        var content = ReadContent(offset + 9, len, "Chunk");
        DecodeChunk(content, offset + 9, cursor);
    }

    private void DecodeChunk(ReadOnlySpan<byte> content, long contentOffset, ChunkCursor cursor)
    {
        var header = McapRecordParser.ParseChunkHeader(content, contentOffset);
        _compressions.Add(header.Compression);
        if ((long)Math.Min(header.UncompressedSize, long.MaxValue) > _options.MaxRecordSize)
            throw new McapException(McapErrorKind.TooLarge, contentOffset, "Chunk", "uncompressed_size", $"{header.UncompressedSize} bytes exceeds the limit of {_options.MaxRecordSize}");
        var records = content.Slice(header.RecordsOffset, (int)header.RecordsLength);
        cursor.RecordsOffset = header.Compression == "" ? contentOffset + header.RecordsOffset : contentOffset;
        cursor.IsPartial = false;
        _decoder.Decode(header, records, _scratch, header.RecordsOffset, cursor.Records, contentOffset, _options.VerifyCrcs);
    }

    private IEnumerable<McapMessageView> IndexedRead(McapMessageFilter filter)
    {
        var channels = new ChannelSelection(filter, this);
        var chunks = _chunkIndexes
            .Where(ci => ci.MessageEndTime >= filter.StartTime && ci.MessageStartTime < filter.EndTime)
            .Where(ci => filter.Channels is null || ci.MessageIndexOffsets.Count == 0 || ci.MessageIndexOffsets.Keys.Any(channels.Wants))
            .OrderBy(ci => ci.MessageStartTime).ThenBy(ci => ci.ChunkStartOffset)
            .ToList();
        var queue = new PriorityQueue<ChunkCursor, (ulong Time, long Order)>();
        var next = 0;
        try
        {
            while (true)
            {
                // Open every chunk that may hold a message earlier than the earliest one pending: usually just the next one.
                while (next < chunks.Count && (queue.Count == 0 || chunks[next].MessageStartTime <= queue.Peek().CurrentTime))
                {
                    var ci = chunks[next];
                    var cursor = RentCursor();
                    cursor.Order = (long)ci.ChunkStartOffset; // equal log times: file order
                    next++;
                    LoadChunk((long)ci.ChunkStartOffset, ci.ChunkLength, cursor);
                    IndexChunk(cursor, cursor.Records.Span, filter, channels);
                    if (cursor.Entries.Count > 0) queue.Enqueue(cursor, (cursor.CurrentTime, cursor.Order));
                    else ReturnCursor(cursor);
                }
                if (!queue.TryDequeue(out var c, out _)) yield break;
                yield return View(c, channels);
                if (++c.Index < c.Entries.Count) queue.Enqueue(c, (c.CurrentTime, c.Order));
                else ReturnCursor(c);
            }
        }
        finally
        {
            while (queue.TryDequeue(out var c, out _)) ReturnCursor(c);
        }
    }

    /// <summary>
    /// Walks the data section record by record. Stops at DataEnd (checking the data CRC), at the Footer, or where the
    /// file is cut off: then it warns, yields the complete messages of a partial uncompressed chunk, and ends.
    /// </summary>
    private IEnumerable<McapMessageView> LinearScan(McapMessageFilter? filter, bool metadataOnly, List<McapMetadata>? metadata, long? from = null)
    {
        filter ??= new McapMessageFilter();
        var channels = new ChannelSelection(filter, this);
        var crc = _options.VerifyCrcs && !metadataOnly && from is null ? new Crc32() : null;
        if (crc is not null)
        {
            // The data CRC covers everything from the magic up to the DataEnd record.
            var prefix = new byte[_dataStart];
            ReadExactly(0, prefix);
            crc.Append(prefix);
        }
        var pos = from ?? _dataStart;
        long yielded = 0;
        ulong lastTime = 0;
        var cursor = RentCursor();
        try
        {
            while (true)
            {
                if (!TryReadRecordHeader(pos, out var op, out var len))
                {
                    Warn(pos == _length
                        ? $"truncated at offset {pos}: file ends without DataEnd/Footer ({yielded} messages read)"
                        : $"truncated at offset {pos}: file ends inside a record header ({yielded} messages read)");
                    yield break;
                }
                if (op == 0) throw new McapException(McapErrorKind.Invalid, pos, null, "opcode", "opcode 0 is not a record");
                var available = _length - pos - 9;
                if (len > (ulong)available)
                {
                    Warn($"truncated at offset {pos}: {McapConstants.Name(op)} record needs {len} bytes, file has {available} ({yielded} messages read before the cut)");
                    if (op == McapOpcode.Chunk && !metadataOnly)
                    {
                        // A killed recorder leaves the last chunk cut off; its uncompressed records up to the cut are still whole.
                        CheckSize(available, pos, "Chunk", "length");
                        var partial = ReadContent(pos + 9, (ulong)available, "Chunk");
                        if (TryPartialChunk(partial, pos + 9, cursor, filter, channels))
                            for (cursor.Index = 0; cursor.Index < cursor.Entries.Count; cursor.Index++)
                                yield return View(cursor, channels);
                    }
                    yield break;
                }
                var contentOffset = pos + 9;
                var next = contentOffset + (long)len;
                var skipContent = metadataOnly ? op is not (McapOpcode.Metadata or McapOpcode.DataEnd) : crc is null && op is not (McapOpcode.Schema or McapOpcode.Channel or McapOpcode.Message or McapOpcode.Chunk or McapOpcode.Metadata or McapOpcode.DataEnd);
                if (op == McapOpcode.DataEnd)
                {
                    var dataCrc = McapRecordParser.ParseDataEnd(ReadContent(contentOffset, len, "DataEnd"), contentOffset);
                    if (crc is not null && dataCrc != 0 && crc.GetCurrentHashAsUInt32() != dataCrc)
                        throw new McapException(McapErrorKind.CrcMismatch, contentOffset, "DataEnd", "data_section_crc", $"stored 0x{dataCrc:X8}, computed 0x{crc.GetCurrentHashAsUInt32():X8}");
                    yield break;
                }
                if (op == McapOpcode.Footer) yield break;
                if (skipContent) { pos = next; continue; }
                var content = ReadContent(contentOffset, len, McapConstants.Name(op));
                if (crc is not null) { crc.Append(_header); crc.Append(content); }
                switch (op)
                {
                    case McapOpcode.Schema: AddSchema(McapRecordParser.ParseSchema(content, contentOffset), contentOffset); break;
                    case McapOpcode.Channel: AddChannel(McapRecordParser.ParseChannel(content, contentOffset), contentOffset); break;
                    case McapOpcode.Metadata: metadata?.Add(McapRecordParser.ParseMetadata(content, contentOffset)); break;
                    case McapOpcode.Message when !metadataOnly:
                        var h = McapRecordParser.ParseMessageHeader(content, contentOffset);
                        var ch = channels.Select(h.ChannelId, contentOffset);
                        if (ch is not null && h.LogTime >= filter.StartTime && h.LogTime < filter.EndTime)
                        {
                            yielded++;
                            CheckOrder(h.LogTime, contentOffset, ref lastTime);
                            yield return new McapMessageView(ch, h.Sequence, h.LogTime, h.PublishTime,
                                _scratch.AsMemory(McapConstants.MessageHeaderLength, (int)len - McapConstants.MessageHeaderLength));
                        }
                        break;
                    case McapOpcode.Chunk when !metadataOnly:
                        cursor.Entries.Clear();
                        DecodeChunk(content, contentOffset, cursor);
                        IndexChunk(cursor, cursor.Records.Span, filter, channels);
                        for (cursor.Index = 0; cursor.Index < cursor.Entries.Count; cursor.Index++)
                        {
                            yielded++;
                            CheckOrder(cursor.CurrentTime, contentOffset, ref lastTime);
                            yield return View(cursor, channels);
                        }
                        break;
                }
                pos = next;
            }
        }
        finally
        {
            ReturnCursor(cursor);
        }
    }

    /// <summary>Without an index, messages come in file order, which rosbag2 makes log-time order; say so when it is not.</summary>
    private bool _orderWarned;

    private void CheckOrder(ulong time, long offset, ref ulong lastTime)
    {
        if (time < lastTime && !_orderWarned)
        {
            _orderWarned = true;
            Warn($"log time goes backwards at offset {offset}: the file has no index, so messages are read in file order (run `depthnode bag recover` to index it)");
        }
        lastTime = Math.Max(lastTime, time);
    }

    /// <summary>
    /// The chunk the file was cut inside: its header is whole, its records are not. Decompress what is there as far
    /// as it goes and keep every complete record (a recording is usually killed inside its last, largest chunk).
    /// </summary>
    private bool TryPartialChunk(ReadOnlySpan<byte> partial, long contentOffset, ChunkCursor cursor, McapMessageFilter filter, ChannelSelection channels)
    {
        var r = new McapFieldReader(partial, contentOffset, "Chunk");
        if (r.Remaining < 8 + 8 + 8 + 4 + 4) return false;
        r.U64("message_start_time"); r.U64("message_end_time");
        var declared = r.U64("uncompressed_size");
        r.U32("uncompressed_crc");
        var compLen = BinaryPrimitives.ReadUInt32LittleEndian(partial[r.Position..]);
        if (compLen > 16 || r.Remaining < 4 + compLen + 8) return false;
        var compression = r.CompressionName("compression");
        r.U64("records_length");
        var recordsStart = r.Position;
        var limit = (long)Math.Min(declared, (ulong)Math.Min(_options.MaxRecordSize, Array.MaxLength));
        cursor.Entries.Clear();
        cursor.RecordsOffset = compression == "" ? contentOffset + recordsStart : contentOffset;
        // `partial` is the reader's scratch buffer (ReadContent), so the decoder can stream from the array.
        if (!McapChunkDecoder.DecodePrefix(compression, _scratch, recordsStart, partial.Length - recordsStart, cursor.Records, limit))
        {
            Warn($"truncated Chunk at offset {contentOffset - 9}: compression '{compression}' is not supported, its records are lost");
            return false;
        }
        cursor.IsPartial = true;
        IndexChunk(cursor, cursor.Records.Span, filter, channels);
        return cursor.Entries.Count > 0;
    }
}
