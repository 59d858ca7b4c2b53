using System.Buffers.Binary;
using System.IO.Hashing;

namespace DepthNode.Bags.Mcap;

/// <summary>The linear scan: the data section record by record, for files without a usable index and for recovery.</summary>
public sealed partial class McapReader
{
    /// <summary>
    /// Walks the data section record by record. Stops at DataEnd (checking the data CRC), at the Footer, or where the
    /// file is cut off: then it warns, yields the complete messages of the partial chunk, and ends. A damaged record
    /// (with <see cref="McapReaderOptions.SkipDamage"/>) is skipped up to the next valid record and reported.
    /// </summary>
    private IEnumerable<McapMessageView> LinearScan(McapMessageFilter? filter, bool metadataOnly, List<McapMetadata>? metadata, long? from = null)
    {
        filter ??= new McapMessageFilter();
        var scan = new ScanState(filter, new ChannelSelection(filter, this), metadataOnly, metadata, from ?? _dataStart);
        if (_options.VerifyCrcs && !metadataOnly && from is null)
        {
            // The data CRC covers everything from the magic up to the DataEnd record.
            scan.Crc = new Crc32();
            var prefix = new byte[_dataStart];
            ReadExactly(0, prefix);
            scan.Crc.Append(prefix);
        }
        long yielded = 0;
        ulong lastTime = 0;
        var cursor = RentCursor();
        try
        {
            while (true)
            {
                var step = NextRecord(scan, cursor, yielded);
                if (step == ScanStep.End) yield break;
                if (step == ScanStep.Message)
                {
                    yielded++;
                    CheckOrder(scan.Message.LogTime, scan.RecordOffset, ref lastTime);
                    yield return scan.Message;
                }
                else if (step is ScanStep.Chunk or ScanStep.PartialChunk)
                {
                    for (cursor.Index = 0; cursor.Index < cursor.Entries.Count; cursor.Index++)
                    {
                        yielded++;
                        CheckOrder(cursor.CurrentTime, scan.RecordOffset, ref lastTime);
                        yield return View(cursor, scan.Channels);
                    }
                    if (step == ScanStep.PartialChunk) yield break;
                }
            }
        }
        finally
        {
            ReturnCursor(cursor);
        }
    }

    private enum ScanStep { Skip, Message, Chunk, PartialChunk, End }

    /// <summary>Where a <see cref="LinearScan"/> is, and what it just read.</summary>
    private sealed class ScanState(McapMessageFilter filter, ChannelSelection channels, bool metadataOnly, List<McapMetadata>? metadata, long start)
    {
        public readonly McapMessageFilter Filter = filter;
        public readonly ChannelSelection Channels = channels;
        public readonly bool MetadataOnly = metadataOnly;
        public readonly List<McapMetadata>? Metadata = metadata;
        public long Position = start;
        public long RecordOffset;
        public Crc32? Crc;
        public McapMessageView Message;
    }

    /// <summary>Reads the record at the scan position and moves past it; damage is skipped here, so the caller only yields.</summary>
    private ScanStep NextRecord(ScanState scan, ChunkCursor cursor, long yielded)
    {
        while (true)
        {
            var pos = scan.Position;
            scan.RecordOffset = pos;
            if (!TryReadRecordHeader(pos, out var op, out var len))
            {
                Warn(pos == _length
                    ? $"truncated at offset {pos}: file ends without DataEnd/Footer ({yielded} messages read)"
                    : $"truncated at offset {pos}: file ends inside a record header ({yielded} messages read)");
                return ScanStep.End;
            }
            var available = _length - pos - 9;
            if (len > (ulong)available && op == McapOpcode.Chunk && _options.SkipDamage && TryChunkLengthFromHeader(pos, out var inner))
            {
                // The length field is garbage, but the chunk's own records_length fits and a valid record follows.
                if (_damagedAt.Add(pos)) DamagedRecords++;
                Warn($"damaged Chunk.length at offset {pos}: {len} bytes claimed; using the {inner} bytes its header's records_length gives");
                len = inner;
            }
            // A record claiming more than is left is a cut, unless the file is whole (it ends with the closing magic)
            // or a valid record still follows somewhere: then it is damage, and reading goes on after it.
            else if (op == 0 || (len > (ulong)available && (EndsWithMagic || (_options.SkipDamage && op != McapOpcode.Chunk && FindResync(pos + 1) is not null))))
            {
                var e = op == 0
                    ? new McapException(McapErrorKind.Invalid, pos, null, "opcode", "opcode 0 is not a record")
                    : new McapException(McapErrorKind.Invalid, pos, McapConstants.Name(op), "length", $"{len} bytes, but only {available} follow");
                if (!_options.SkipDamage) throw e;
                if (!SkipDamaged(scan, e, pos, null)) return ScanStep.End;
                continue;
            }
            if (len > (ulong)available)
            {
                Warn($"truncated at offset {pos}: {McapConstants.Name(op)} record needs {len} bytes, file has {available} ({yielded} messages read before the cut)");
                if (op != McapOpcode.Chunk || scan.MetadataOnly) return ScanStep.End;
                // A killed recorder leaves the last chunk cut off; the records up to the cut are still whole.
                CheckSize(available, pos, "Chunk", "length");
                var partial = ReadContent(pos + 9, (ulong)available, "Chunk");
                try
                {
                    return TryPartialChunk(partial, pos + 9, cursor, scan.Filter, scan.Channels) ? ScanStep.PartialChunk : ScanStep.End;
                }
                catch (McapException e) when (_options.SkipDamage)
                {
                    Warn($"damaged records in the cut-off Chunk at offset {pos}: {e.Message}");
                    return cursor.Entries.Count > 0 ? ScanStep.PartialChunk : ScanStep.End;
                }
            }
            var next = pos + 9 + (long)len;
            try
            {
                var step = ReadRecord(scan, cursor, op, len, pos);
                scan.Position = next;
                return step;
            }
            catch (McapException e) when (_options.SkipDamage)
            {
                cursor.Entries.Clear();
                // The record's own length is trusted only when a valid record follows it.
                long? trusted = IsPlausibleRecord(next, strict: false) ? next : null;
                if (!SkipDamaged(scan, e, pos, trusted, op == McapOpcode.Chunk && trusted is not null ? CountIndexedMessages(next) : null)) return ScanStep.End;
            }
        }
    }

    private ScanStep ReadRecord(ScanState scan, ChunkCursor cursor, McapOpcode op, ulong len, long pos)
    {
        var contentOffset = pos + 9;
        if (op == McapOpcode.DataEnd)
        {
            var dataCrc = McapRecordParser.ParseDataEnd(ReadContent(contentOffset, len, "DataEnd"), contentOffset);
            if (scan.Crc is not null && dataCrc != 0 && scan.Crc.GetCurrentHashAsUInt32() != dataCrc)
            {
                var e = new McapException(McapErrorKind.CrcMismatch, contentOffset, "DataEnd", "data_section_crc", $"stored 0x{dataCrc:X8}, computed 0x{scan.Crc.GetCurrentHashAsUInt32():X8}");
                // Damage already skipped (and reported) explains the mismatch; otherwise it is news, but every message has been read by now.
                if (!_options.SkipDamage) throw e;
                if (DamagedRecords == 0) Warn($"{e.Message}: some bytes of the data section are wrong, though every record parsed");
            }
            return ScanStep.End;
        }
        if (op == McapOpcode.Footer) return ScanStep.End;
        var skipContent = scan.MetadataOnly ? op is not McapOpcode.Metadata
            : scan.Crc is null && op is not (McapOpcode.Schema or McapOpcode.Channel or McapOpcode.Message or McapOpcode.Chunk or McapOpcode.Metadata);
        if (skipContent) return ScanStep.Skip;
        var content = ReadContent(contentOffset, len, McapConstants.Name(op));
        if (scan.Crc is not null) { scan.Crc.Append(_header); scan.Crc.Append(content); }
        switch (op)
        {
            case McapOpcode.Schema: AddSchema(McapRecordParser.ParseSchema(content, contentOffset), contentOffset); break;
            case McapOpcode.Channel: AddChannel(McapRecordParser.ParseChannel(content, contentOffset), contentOffset); break;
            case McapOpcode.Metadata: scan.Metadata?.Add(McapRecordParser.ParseMetadata(content, contentOffset)); break;
            case McapOpcode.Message when !scan.MetadataOnly:
                var h = McapRecordParser.ParseMessageHeader(content, contentOffset);
                var ch = scan.Channels.Select(h.ChannelId, contentOffset);
                if (ch is null || h.LogTime < scan.Filter.StartTime || h.LogTime >= scan.Filter.EndTime) break;
                scan.Message = new McapMessageView(ch, h.Sequence, h.LogTime, h.PublishTime,
                    _scratch.AsMemory(McapConstants.MessageHeaderLength, (int)len - McapConstants.MessageHeaderLength));
                return ScanStep.Message;
            case McapOpcode.Chunk when !scan.MetadataOnly:
                cursor.Entries.Clear();
                DecodeChunk(content, contentOffset, cursor);
                IndexChunk(cursor, cursor.Records.Span, scan.Filter, scan.Channels);
                return ScanStep.Chunk;
        }
        return ScanStep.Skip;
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
        if (!McapChunkDecoder.DecodePrefix(compression, _scratch, recordsStart, partial.Length - recordsStart, cursor.Records, limit, out var stoppedBy))
        {
            Warn($"truncated Chunk at offset {contentOffset - 9}: compression '{compression}' is not supported, its records are lost");
            return false;
        }
        if (compression != "")
            Warn($"truncated Chunk at offset {contentOffset - 9}: {cursor.Records.Length} of its {declared} bytes decompressed from the {partial.Length - recordsStart} compressed bytes there{(stoppedBy is null ? "" : $" ({compression}: {stoppedBy})")}");
        cursor.IsPartial = true;
        IndexChunk(cursor, cursor.Records.Span, filter, channels);
        return cursor.Entries.Count > 0;
    }
}
