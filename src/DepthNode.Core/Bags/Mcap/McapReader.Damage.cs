using System.Buffers.Binary;

namespace DepthNode.Bags.Mcap;

/// <summary>
/// Damage inside a file that is otherwise whole (bad CRC, garbage length or opcode, a chunk that does not
/// decompress): the damaged record is skipped, counted and reported, and reading goes on at the next valid record:
/// the next chunk the summary's chunk index names, or else the first offset where a record with self-consistent
/// fields starts and a plausible record follows it. Nothing that follows the damage is lost.
/// </summary>
public sealed partial class McapReader
{
    private bool? _endsWithMagic;
    private readonly List<long> _chunkStarts = [];
    // A file may be scanned more than once (metadata, then messages): each damaged offset is counted once.
    private readonly HashSet<long> _damagedAt = [];

    /// <summary>Damaged records (or chunks) skipped so far.</summary>
    public int DamagedRecords { get; private set; }
    /// <summary>Bytes skipped over because they were damaged.</summary>
    public long SkippedBytes { get; private set; }
    /// <summary>Messages known to be lost with skipped chunks (counted from their message indexes, where present).</summary>
    public long LostMessages { get; private set; }

    /// <summary>A file that ends with the closing magic was finished, so a record running past the end is damage, not a cut.</summary>
    private bool EndsWithMagic
    {
        get
        {
            if (_endsWithMagic is { } known) return known;
            Span<byte> tail = stackalloc byte[McapConstants.MagicLength];
            var whole = _length >= _dataStart + McapConstants.MagicLength;
            if (whole) ReadExactly(_length - McapConstants.MagicLength, tail);
            return (_endsWithMagic = whole && tail.SequenceEqual(McapConstants.Magic)).Value;
        }
    }

    /// <summary>Chunk offsets the summary gives, kept even when reading linearly: the surest place to read on after damage.</summary>
    private void RememberChunkStarts()
    {
        _chunkStarts.Clear();
        _chunkStarts.AddRange(_chunkIndexes.Select(ci => (long)ci.ChunkStartOffset).Order());
    }

    /// <summary>Counts and reports damage at <paramref name="at"/>; moves the scan to <paramref name="trusted"/> or the next valid record. False when none follows.</summary>
    private bool SkipDamaged(ScanState scan, McapException e, long at, long? trusted, long? lostMessages = null)
    {
        var resume = trusted ?? FindResync(at + 1);
        var skipped = (resume ?? _length) - at;
        if (_damagedAt.Add(at))
        {
            DamagedRecords++;
            SkippedBytes += skipped;
            LostMessages += lostMessages ?? 0;
        }
        var lost = lostMessages is { } n ? $"{skipped} bytes and {n} messages skipped" : $"{skipped} bytes skipped";
        Warn($"damaged data at offset {at} ({e.Message}): {lost}, " +
             (resume is { } r ? $"reading on at offset {r}" : "no valid record follows"));
        if (resume is null) return false;
        scan.Position = resume.Value;
        return true;
    }

    /// <summary>An indexed chunk that cannot be read: skipped, its messages counted from its message indexes.</summary>
    private void SkipDamagedChunk(McapException e, long offset, ulong length, IEnumerable<ulong> messageIndexOffsets)
    {
        long lost = 0;
        foreach (var at in messageIndexOffsets) lost += CountIndexedMessages((long)at, single: true);
        if (_damagedAt.Add(offset))
        {
            DamagedRecords++;
            SkippedBytes += (long)length;
            LostMessages += lost;
        }
        Warn($"damaged Chunk at offset {offset} ({e.Message}): skipped with its {lost} messages, reading on at the next chunk");
    }

    /// <summary>Messages listed by the MessageIndex records starting at <paramref name="offset"/> (writers put them right after their chunk).</summary>
    private long CountIndexedMessages(long offset, bool single = false)
    {
        long n = 0;
        Span<byte> head = stackalloc byte[McapConstants.RecordHeaderLength + 6];
        while (offset <= _length - head.Length)
        {
            ReadExactly(offset, head);
            var len = BinaryPrimitives.ReadUInt64LittleEndian(head[1..]);
            if (head[0] != (byte)McapOpcode.MessageIndex || len > (ulong)(_length - offset - 9)) break;
            n += BinaryPrimitives.ReadUInt32LittleEndian(head[11..]) / 16;
            offset += 9 + (long)len;
            if (single) break;
        }
        return n;
    }

    /// <summary>A Chunk whose length field is garbage still says in its header how long its records are.</summary>
    private bool TryChunkLengthFromHeader(long pos, out ulong length)
    {
        length = 0;
        Span<byte> h = stackalloc byte[40 + 16];
        var have = (int)Math.Min(h.Length, _length - pos - 9);
        if (have < 40) return false;
        ReadExactly(pos + 9, h[..have]);
        var c = BinaryPrimitives.ReadUInt32LittleEndian(h[28..]);
        if (c > 16 || 40 + c > have) return false;
        var records = BinaryPrimitives.ReadUInt64LittleEndian(h[(32 + (int)c)..]);
        if (records > (ulong)(_length - pos - 9)) return false;
        length = 40 + c + records;
        var found = length <= (ulong)(_length - pos - 9) && IsPlausibleRecord(pos + 9 + (long)length, strict: false);
        TryReadRecordHeader(pos, out _, out _); // the record header buffer feeds the data CRC
        return found;
    }

    /// <summary>
    /// The first offset at or after <paramref name="from"/> where a valid record starts, searched no further than
    /// the next chunk the summary names (which is then the answer); null when nothing valid follows.
    /// </summary>
    private long? FindResync(long from)
    {
        var i = _chunkStarts.BinarySearch(from);
        var limit = i >= 0 ? _chunkStarts[i] : ~i < _chunkStarts.Count ? _chunkStarts[~i] : _length;
        var window = new byte[1 << 16];
        for (var start = from; start < limit - McapConstants.RecordHeaderLength; start += window.Length - McapConstants.RecordHeaderLength)
        {
            var n = (int)Math.Min(window.Length, limit - start);
            ReadExactly(start, window.AsSpan(0, n));
            for (var k = 0; k + McapConstants.RecordHeaderLength <= n; k++)
            {
                if (!IsResyncOpcode(window[k])) continue;
                // Cheap test first: a random length almost never fits in the file.
                var len = BinaryPrimitives.ReadUInt64LittleEndian(window.AsSpan(k + 1));
                var q = start + k;
                if (len <= (ulong)(_length - q - 9) && IsPlausibleRecord(q, strict: true)) return q;
            }
            if (n < window.Length) break;
        }
        return limit < _length ? limit : null;
    }

    private static bool IsResyncOpcode(byte op) => op is (byte)McapOpcode.Schema or (byte)McapOpcode.Channel or (byte)McapOpcode.Message
        or (byte)McapOpcode.Chunk or (byte)McapOpcode.MessageIndex or (byte)McapOpcode.Metadata or (byte)McapOpcode.DataEnd;

    /// <summary>
    /// Does a record start at <paramref name="q"/>? Loosely: a known opcode whose length fits the file (or the file
    /// ends there). Strictly: also its fields add up to exactly its length, a Message names a known channel, and a
    /// plausible record follows it.
    /// </summary>
    private bool IsPlausibleRecord(long q, bool strict)
    {
        if (q == _length) return !strict;
        if (!TryReadRecordHeader(q, out var op, out var len)) return false;
        if ((byte)op is 0 or > (byte)McapOpcode.DataEnd || len > (ulong)(_length - q - 9)) return false;
        if (!strict) return true;
        Span<byte> c = stackalloc byte[256];
        var have = (int)Math.Min((ulong)c.Length, len);
        ReadExactly(q + 9, c[..have]);
        c = c[..have];
        var consistent = op switch
        {
            McapOpcode.Message => len >= McapConstants.MessageHeaderLength && _channels.ContainsKey(BinaryPrimitives.ReadUInt16LittleEndian(c)),
            McapOpcode.Chunk => ChunkFieldsAddUp(c, len),
            McapOpcode.Schema => Fields(c, 2, 3, len),
            McapOpcode.Channel => Fields(c, 4, 3, len),
            McapOpcode.Metadata => Fields(c, 0, 2, len),
            McapOpcode.MessageIndex => len >= 6 && 6 + (ulong)BinaryPrimitives.ReadUInt32LittleEndian(c[2..]) == len && BinaryPrimitives.ReadUInt32LittleEndian(c[2..]) % 16 == 0,
            McapOpcode.DataEnd => len == 4,
            _ => false,
        };
        return consistent && IsPlausibleRecord(q + 9 + (long)len, strict: false);
    }

    private static bool ChunkFieldsAddUp(ReadOnlySpan<byte> c, ulong len)
    {
        if (c.Length < 40) return false;
        var n = BinaryPrimitives.ReadUInt32LittleEndian(c[28..]);
        if (n > 16 || 40 + n > c.Length) return false;
        var name = c.Slice(32, (int)n);
        if (!(name.IsEmpty || name.SequenceEqual("zstd"u8) || name.SequenceEqual("lz4"u8))) return false;
        return 40 + n + BinaryPrimitives.ReadUInt64LittleEndian(c[(32 + (int)n)..]) == len;
    }

    /// <summary><paramref name="count"/> u32-length-prefixed fields after <paramref name="skip"/> fixed bytes end exactly at <paramref name="len"/>.</summary>
    private static bool Fields(ReadOnlySpan<byte> c, int skip, int count, ulong len)
    {
        ulong at = (ulong)skip;
        for (var i = 0; i < count; i++)
        {
            if (at + 4 > (ulong)c.Length) return false;
            at += 4 + BinaryPrimitives.ReadUInt32LittleEndian(c[(int)at..]);
            // Fields beyond the bytes looked at: the last length must still land exactly on the record end.
            if (at > len) return false;
            if (i < count - 1 && at + 4 > (ulong)c.Length) return false;
        }
        return at == len;
    }
}
