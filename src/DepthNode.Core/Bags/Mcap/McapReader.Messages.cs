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
        List<DataSlot> slots;
        bool ordered;
        long? tail;
        try
        {
            slots = MapDataSection(out ordered, out tail);
            // A whole file whose records stop making sense before the end is damaged: the scan skips over that.
            if (tail is not null && _options.SkipDamage && EndsWithMagic) ordered = true;
        }
        catch (McapException) when (_options.SkipDamage)
        {
            (slots, ordered, tail) = ([], true, null);
        }
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
                        if (!TryLoadChunk(slot.Offset, slot.Length + 9, [], cursor, filter, channels)) { ReturnCursor(cursor); continue; }
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
        {
            var e = new McapException(McapErrorKind.Invalid, offset, "Chunk", "length", $"{len} bytes runs past the chunk length {maxLength} or the file end");
            // The chunk index knows the length too: a garbage length field need not lose the chunk (its CRC still decides).
            if (!_options.SkipDamage || maxLength - 9 > (ulong)(_length - offset - 9)) throw e;
            if (_damagedAt.Add(offset)) DamagedRecords++;
            Warn($"damaged Chunk.length at offset {offset}: {len} bytes claimed; using the {maxLength - 9} bytes the chunk index gives");
            len = maxLength - 9;
        }
        var content = ReadContent(offset + 9, len, "Chunk");
        DecodeChunk(content, offset + 9, cursor);
    }

    /// <summary>Loads and lexes one chunk; a damaged one is skipped and reported (unless damage must throw).</summary>
    private bool TryLoadChunk(long offset, ulong length, IEnumerable<ulong> messageIndexOffsets, ChunkCursor cursor, McapMessageFilter filter, ChannelSelection channels)
    {
        try
        {
            LoadChunk(offset, length, cursor);
            IndexChunk(cursor, cursor.Records.Span, filter, channels);
            return true;
        }
        catch (McapException e) when (_options.SkipDamage)
        {
            cursor.Entries.Clear();
            SkipDamagedChunk(e, offset, length, messageIndexOffsets);
            return false;
        }
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
                    if (!TryLoadChunk((long)ci.ChunkStartOffset, ci.ChunkLength, ci.MessageIndexOffsets.Values, cursor, filter, channels)) { ReturnCursor(cursor); continue; }
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
}
