using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace DepthNode.Bags.Mcap;

public sealed record McapReaderOptions
{
    /// <summary>Largest record (or decompressed chunk) accepted; checked before anything is allocated.</summary>
    public long MaxRecordSize { get; init; } = Array.MaxLength;
    /// <summary>Check chunk, data-section and summary CRCs where the writer stored them (0 = not stored).</summary>
    public bool VerifyCrcs { get; init; } = true;
    /// <summary>Ignore the summary and scan the data section (what <c>bag recover</c> does).</summary>
    public bool ForceLinearScan { get; init; }
    /// <summary>
    /// Skip damaged records and chunks (a bad CRC, a garbage length or opcode, a chunk that does not decompress) and
    /// read on at the next valid one, reporting each as a warning; false: throw <see cref="McapException"/> instead.
    /// </summary>
    public bool SkipDamage { get; init; } = true;
    /// <summary>Called for every warning as it happens, in addition to <see cref="McapReader.Warnings"/>.</summary>
    public Action<string>? OnWarning { get; init; }
}

/// <summary>Which messages <see cref="McapReader.ReadMessages"/> yields: channels and a log-time range [start, end).</summary>
public sealed record McapMessageFilter
{
    public Func<McapChannel, bool>? Channels { get; init; }
    public ulong StartTime { get; init; }
    public ulong EndTime { get; init; } = ulong.MaxValue;
}

/// <summary>A message as read. <see cref="Data"/> points into the reader's chunk buffer: valid until the next message is read.</summary>
public readonly record struct McapMessageView(McapChannel Channel, uint Sequence, ulong LogTime, ulong PublishTime, ReadOnlyMemory<byte> Data);

/// <summary>
/// Reads an MCAP file. With a summary section (footer → summary: schemas, channels, statistics, chunk indexes) it
/// reads only the chunks that overlap the requested time range and channels, in log-time order, holding one chunk
/// in memory (more only while chunks overlap in time). Without a summary (or with
/// <see cref="McapReaderOptions.ForceLinearScan"/>) it walks the data section; a file cut off mid-record yields
/// every complete message before the cut and records a warning instead of failing. Malformed bytes raise
/// <see cref="McapException"/> naming the file, record, field and offset.
/// </summary>
public sealed partial class McapReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly McapReaderOptions _options;
    private readonly long _length;
    private readonly Dictionary<ushort, McapSchema> _schemas = [];
    private readonly Dictionary<ushort, McapChannel> _channels = [];
    private readonly List<McapChunkIndex> _chunkIndexes = [];
    private readonly List<McapMetadataIndex> _metadataIndexes = [];
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _compressions = new(StringComparer.Ordinal);
    private readonly byte[] _header = new byte[McapConstants.RecordHeaderLength];
    private readonly McapChunkDecoder _decoder = new();
    private readonly Stack<ChunkCursor> _freeCursors = new();
    private byte[] _scratch = [];
    private long _dataStart;

    public static McapReader Open(string path, McapReaderOptions? options = null)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try { return new McapReader(fs, Path.GetFileName(path), options); }
        catch { fs.Dispose(); throw; }
    }

    /// <param name="stream">A seekable stream positioned anywhere; the reader owns it unless <paramref name="leaveOpen"/>.</param>
    /// <param name="fileName">Named in every error and warning.</param>
    public McapReader(Stream stream, string? fileName = null, McapReaderOptions? options = null, bool leaveOpen = false)
    {
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("MCAP reading needs a readable, seekable stream", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options ?? new McapReaderOptions();
        FileName = fileName;
        _length = stream.Length;
        try
        {
            ReadStart();
            ReadSummaryOrWarn();
        }
        catch (McapException e) when (fileName is not null) { throw e.WithFile(fileName); }
    }

    public string? FileName { get; }
    public McapHeader Header { get; private set; } = new("", "");
    public McapFooter? Footer { get; private set; }
    /// <summary>True when schemas/channels/chunk indexes come from a valid summary section.</summary>
    public bool HasSummary { get; private set; }
    public McapStatistics? Statistics { get; private set; }
    public IReadOnlyDictionary<ushort, McapSchema> Schemas => _schemas;
    /// <summary>Channels known so far: all of them with a summary; after a full read otherwise.</summary>
    public IReadOnlyDictionary<ushort, McapChannel> Channels => _channels;
    public IReadOnlyList<McapChunkIndex> ChunkIndexes => _chunkIndexes;
    /// <summary>Chunk compressions seen (from chunk indexes, or from chunks read).</summary>
    public IReadOnlyCollection<string> Compressions => _compressions;
    public IReadOnlyList<string> Warnings => _warnings;

    private bool Indexed => HasSummary && _chunkIndexes.Count > 0 && !_options.ForceLinearScan;

    private void Warn(string message)
    {
        var text = FileName is null ? message : $"{FileName}: {message}";
        if (_warnings.Contains(text)) return;
        _warnings.Add(text);
        _options.OnWarning?.Invoke(text);
    }

    private void ReadStart()
    {
        Span<byte> magic = stackalloc byte[McapConstants.MagicLength];
        _stream.Position = 0;
        var n = _stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (n < magic.Length)
            throw new McapException(McapErrorKind.Truncated, 0, null, "magic", $"file has {n} bytes, an MCAP file starts with 8 magic bytes");
        if (!magic.SequenceEqual(McapConstants.Magic))
            throw new McapException(McapErrorKind.Invalid, 0, null, "magic", $"not an MCAP file (starts with {Convert.ToHexString(magic)})");
        _dataStart = McapConstants.MagicLength;
        // The Header record is mandatory, but a file killed right after the magic still "contains every message".
        if (!TryReadRecordHeader(_dataStart, out var op, out var len)) { Warn($"truncated at offset {_dataStart}: no Header record"); return; }
        if (op != McapOpcode.Header)
            throw new McapException(McapErrorKind.Invalid, _dataStart, "Header", "opcode", $"first record is {McapConstants.Name(op)}, expected Header");
        if (len > (ulong)(_length - _dataStart - 9)) { Warn($"truncated at offset {_dataStart}: Header record incomplete"); _dataStart = _length; return; }
        var content = ReadContent(_dataStart + 9, len, "Header");
        Header = McapRecordParser.ParseHeader(content, _dataStart + 9);
        _dataStart += 9 + (long)len;
    }

    /// <summary>
    /// A damaged summary is not fatal when damage may be skipped: the data section holds everything. A linear scan
    /// (recovery) still reads a sound summary, for its chunk offsets (where to read on after damage) and for the
    /// channels and schemas it declares, including those of topics that never got a message.
    /// </summary>
    private void ReadSummaryOrWarn()
    {
        if (!_options.SkipDamage && _options.ForceLinearScan) return;
        try
        {
            TryReadSummary();
            RememberChunkStarts();
        }
        catch (McapException e) when (_options.SkipDamage)
        {
            Warn($"summary unreadable ({e.Message}): reading the data section instead");
            (HasSummary, Statistics, Footer) = (false, null, null);
            _schemas.Clear();
            _channels.Clear();
            _chunkIndexes.Clear();
            _metadataIndexes.Clear();
            _compressions.Clear();
        }
    }

    private void TryReadSummary()
    {
        const int tail = McapConstants.FooterRecordLength + McapConstants.MagicLength;
        if (_length < _dataStart + tail) { Warn("no footer: file truncated or not finished, reading the data section"); return; }
        Span<byte> buf = stackalloc byte[tail];
        ReadExactly(_length - tail, buf);
        if (!buf[McapConstants.FooterRecordLength..].SequenceEqual(McapConstants.Magic) || buf[0] != (byte)McapOpcode.Footer
            || BinaryPrimitives.ReadUInt64LittleEndian(buf[1..]) != 20)
        {
            Warn("no footer: file truncated or not finished, reading the data section");
            return;
        }
        var footerOffset = _length - tail;
        var footer = McapRecordParser.ParseFooter(buf[9..McapConstants.FooterRecordLength], footerOffset + 9);
        Footer = footer;
        if (footer.SummaryStart == 0) return;
        if (footer.SummaryStart < (ulong)_dataStart || footer.SummaryStart > (ulong)footerOffset)
            throw new McapException(McapErrorKind.Invalid, footerOffset + 9, "Footer", "summary_start", $"{footer.SummaryStart} is outside the file's summary area [{_dataStart}, {footerOffset}]");
        var start = (long)footer.SummaryStart;
        var size = footerOffset - start;
        CheckSize(size, start, "Summary", "records");
        var summary = new byte[size + 25];
        ReadExactly(start, summary.AsSpan(0, (int)size));
        buf[..25].CopyTo(summary.AsSpan((int)size));
        if (_options.VerifyCrcs && footer.SummaryCrc != 0)
        {
            var crc = Crc32.HashToUInt32(summary);
            if (crc != footer.SummaryCrc)
                throw new McapException(McapErrorKind.CrcMismatch, footerOffset + 9 + 16, "Footer", "summary_crc", $"stored 0x{footer.SummaryCrc:X8}, computed 0x{crc:X8}");
        }
        var lexer = new McapRecordReader(summary.AsSpan(0, (int)size), start);
        while (lexer.Read(out var op, out var content, "Summary"))
        {
            var at = lexer.RecordOffset + 9;
            switch (op)
            {
                case McapOpcode.Schema: AddSchema(McapRecordParser.ParseSchema(content, at), at); break;
                case McapOpcode.Channel: AddChannel(McapRecordParser.ParseChannel(content, at), at); break;
                case McapOpcode.ChunkIndex:
                    var ci = McapRecordParser.ParseChunkIndex(content, at);
                    if (ci.ChunkStartOffset < (ulong)_dataStart || ci.ChunkLength > (ulong)_length || ci.ChunkStartOffset > (ulong)_length - ci.ChunkLength)
                        throw new McapException(McapErrorKind.Invalid, at, "ChunkIndex", "chunk_start_offset", $"chunk [{ci.ChunkStartOffset}, +{ci.ChunkLength}) lies outside the file ({_length} bytes)");
                    _chunkIndexes.Add(ci);
                    _compressions.Add(ci.Compression);
                    break;
                case McapOpcode.Statistics: Statistics = McapRecordParser.ParseStatistics(content, at); break;
                case McapOpcode.MetadataIndex: _metadataIndexes.Add(McapRecordParser.ParseMetadataIndex(content, at)); break;
            }
        }
        HasSummary = true;
    }

    private void AddSchema(McapSchema s, long at)
    {
        if (s.Id == 0) throw new McapException(McapErrorKind.Invalid, at, "Schema", "id", "schema id 0 is reserved");
        _schemas.TryAdd(s.Id, s);
    }

    private void AddChannel(McapChannel c, long at)
    {
        if (c.SchemaId != 0 && !_schemas.ContainsKey(c.SchemaId))
            throw new McapException(McapErrorKind.Invalid, at, "Channel", "schema_id", $"channel {c.Id} ('{c.Topic}') refers to unknown schema {c.SchemaId}");
        _channels.TryAdd(c.Id, c);
    }

    /// <summary>Metadata records (e.g. rosbag2's <c>rosbag2</c> record): via the metadata index when there is one, else by scanning the data section.</summary>
    public IReadOnlyList<McapMetadata> ReadMetadata()
    {
        try
        {
            var result = new List<McapMetadata>();
            if (HasSummary && !_options.ForceLinearScan && (_metadataIndexes.Count > 0 || Statistics is { MetadataCount: 0 }))
            {
                foreach (var mi in _metadataIndexes)
                {
                    if (!TryReadRecordHeader((long)mi.Offset, out var op, out var len) || op != McapOpcode.Metadata || len > (ulong)(_length - (long)mi.Offset - 9))
                        throw new McapException(McapErrorKind.Invalid, (long)mi.Offset, "MetadataIndex", "offset", "does not point at a complete Metadata record");
                    result.Add(McapRecordParser.ParseMetadata(ReadContent((long)mi.Offset + 9, len, "Metadata"), (long)mi.Offset + 9));
                }
                return result;
            }
            foreach (var m in LinearScan(null, metadataOnly: true, result)) { }
            return result;
        }
        catch (McapException e) when (FileName is not null) { throw e.WithFile(FileName); }
    }

    /// <summary>Messages passing <paramref name="filter"/>; log-time order when indexed, file order (sorted within each chunk) when scanning.</summary>
    public IEnumerable<McapMessageView> ReadMessages(McapMessageFilter? filter = null)
    {
        filter ??= new McapMessageFilter();
        var source = Indexed ? IndexedRead(filter)
            : _options.ForceLinearScan ? LinearScan(filter, metadataOnly: false, null)
            : UnindexedRead(filter);
        using var e = source.GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext()) yield break;
            }
            catch (McapException ex) when (FileName is not null) { throw ex.WithFile(FileName); }
            yield return e.Current;
        }
    }

    // ---- I/O ---------------------------------------------------------------------------------------------------

    private bool TryReadRecordHeader(long offset, out McapOpcode op, out ulong length)
    {
        op = 0; length = 0;
        if (offset > _length - McapConstants.RecordHeaderLength) return false;
        ReadExactly(offset, _header);
        op = (McapOpcode)_header[0];
        length = BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(1));
        return true;
    }

    private void CheckSize(long size, long offset, string record, string field)
    {
        if (size > _options.MaxRecordSize || size > Array.MaxLength)
            throw new McapException(McapErrorKind.TooLarge, offset, record, field, $"{size} bytes exceeds the limit of {Math.Min(_options.MaxRecordSize, Array.MaxLength)}");
    }

    /// <summary>Reads record content into the reused scratch buffer (valid until the next call).</summary>
    private ReadOnlySpan<byte> ReadContent(long offset, ulong length, string record)
    {
        CheckSize((long)length, offset - 9, record, "length");
        EnsureScratch((int)length);
        ReadExactly(offset, _scratch.AsSpan(0, (int)length));
        return _scratch.AsSpan(0, (int)length);
    }

    private void EnsureScratch(int size)
    {
        if (_scratch.Length >= size) return;
        if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = ArrayPool<byte>.Shared.Rent(size);
    }

    private void ReadExactly(long offset, Span<byte> dest)
    {
        _stream.Position = offset;
        var n = _stream.ReadAtLeast(dest, dest.Length, throwOnEndOfStream: false);
        if (n < dest.Length)
            throw new McapException(McapErrorKind.Truncated, offset + n, null, null, $"needs {dest.Length} bytes, file ends after {n}");
    }

    public void Dispose()
    {
        _decoder.Dispose();
        while (_freeCursors.TryPop(out var c)) c.Dispose();
        if (_scratch.Length > 0) ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = [];
        if (!_leaveOpen) _stream.Dispose();
    }
}
