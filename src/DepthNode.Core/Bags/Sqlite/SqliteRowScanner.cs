using System.Buffers.Binary;
using System.Text;

namespace DepthNode.Bags.Sqlite;

/// <summary>
/// Reads rosbag2 rows straight from the table leaf pages of a damaged <c>.db3</c>, the way <c>sqlite3 .recover</c>
/// does: every page is looked at on its own, so a broken page (or a broken interior page above intact leaves, or a
/// broken schema page) loses only the rows stored on it. Rows are recognised by their shape, which rosbag2 fixes:
/// <c>messages(id, topic_id INTEGER, timestamp INTEGER, data BLOB)</c> and
/// <c>topics(id, name TEXT, type TEXT 'pkg/…', serialization_format TEXT[, offered_qos_profiles TEXT[, type_description_hash TEXT]])</c>.
/// Format facts (page header, cell layout, overflow, record serial types) are from the SQLite file format document.
/// </summary>
internal sealed class SqliteRowScanner : IDisposable
{
    private const byte TableLeaf = 0x0D, IndexLeaf = 0x0A, IndexInterior = 0x02;
    private readonly FileStream _file;
    private readonly byte[] _page;
    private readonly byte[] _overflow;
    private byte[] _payload = [];
    private readonly int _usable;

    public SqliteRowScanner(string path)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        Span<byte> header = stackalloc byte[100];
        var n = _file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        PageSize = GuessPageSize(header[..n], _file.Length);
        var reserved = n == 100 && header[20] < 64 ? header[20] : 0;
        _usable = PageSize - reserved;
        PageCount = _file.Length / PageSize;
        _page = new byte[PageSize];
        _overflow = new byte[PageSize];
    }

    public int PageSize { get; }
    public long PageCount { get; }
    /// <summary>Pages that look like table leaves but whose cells do not parse.</summary>
    public int DamagedPages { get; private set; }
    /// <summary>Row ids named by <c>timestamp_idx</c> entries (index pages hold (timestamp, rowid) keys): the rows that existed.</summary>
    public HashSet<long> IndexedRowIds { get; } = [];

    /// <summary>Where a message row lies: enough to read its data later without holding it.</summary>
    public readonly record struct MessageKey(long RowId, long TopicId, long Timestamp, uint Page, ushort Cell);

    /// <summary>A topics row, columns as stored.</summary>
    public sealed record TopicRow(long Id, string Name, string Type, string SerializationFormat, string OfferedQosProfiles, string TypeDescriptionHash);

    /// <summary>Every message and topic row found on a table leaf page, in page order.</summary>
    public (List<MessageKey> Messages, List<TopicRow> Topics) Scan()
    {
        var messages = new List<MessageKey>();
        var topics = new List<TopicRow>();
        var seen = new HashSet<long>();
        for (uint page = 1; page <= PageCount; page++)
        {
            if (!ReadPage(page, _page)) break;
            var h = page == 1 ? 100 : 0;
            if (_page[h] is IndexLeaf or IndexInterior) { ScanIndexPage(h); continue; }
            if (_page[h] != TableLeaf) continue;
            int cells = BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + 3));
            if (h + 8 + 2 * cells > _usable) { DamagedPages++; continue; }
            var bad = false;
            for (var c = 0; c < cells; c++)
            {
                int at = BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + 8 + 2 * c));
                if (!TryReadCell(_page, at, out var rowId, out var local, out var payloadSize, out _)) { bad = true; continue; }
                if (!TryParseHeader(local, out var types, out var bodyStart)) continue;
                if (IsMessageShape(types))
                {
                    var body = local[bodyStart..];
                    if (!TryInt(types[1], ref body, out var topic) || !TryInt(types[2], ref body, out var time)) continue;
                    if (seen.Add(rowId)) messages.Add(new MessageKey(rowId, topic, time, page, (ushort)c));
                }
                else if (payloadSize == local.Length && IsTopicShape(types, local, bodyStart, out var row, rowId)) topics.Add(row!);
            }
            if (bad) DamagedPages++;
        }
        return (messages, topics);
    }

    private void ScanIndexPage(int h)
    {
        var interior = _page[h] == IndexInterior;
        var headerSize = interior ? 12 : 8;
        int cells = BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + 3));
        if (h + headerSize + 2 * cells > _usable) return;
        for (var c = 0; c < cells; c++)
        {
            int at = BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + headerSize + 2 * c)) + (interior ? 4 : 0);
            if (at < 8 || at >= _usable) continue;
            ReadOnlySpan<byte> cell = _page.AsSpan(at, _usable - at);
            var n = Varint(cell, out var size);
            if (n == 0 || size > cell.Length - n || size > 40) continue;
            var payload = cell.Slice(n, (int)size);
            if (!TryParseHeader(payload, out var types, out var bodyStart) || types.Length != 2 || !IsInt(types[0]) || !IsInt(types[1])) continue;
            var body = payload[bodyStart..];
            if (TryInt(types[0], ref body, out _) && TryInt(types[1], ref body, out var rowId) && rowId > 0) IndexedRowIds.Add(rowId);
        }
    }

    /// <summary>The data column of a message row, assembled from its leaf cell and overflow chain; false if any page of it is unreadable.</summary>
    public bool TryReadData(in MessageKey key, ref byte[] buffer, out int length)
    {
        length = 0;
        if (!ReadPage(key.Page, _page)) return false;
        var h = key.Page == 1 ? 100 : 0;
        if (_page[h] != TableLeaf || key.Cell >= BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + 3))) return false;
        int at = BinaryPrimitives.ReadUInt16BigEndian(_page.AsSpan(h + 8 + 2 * key.Cell));
        if (!TryReadCell(_page, at, out var rowId, out var local, out var payloadSize, out var firstOverflow) || rowId != key.RowId) return false;
        // A damaged cell may claim any size: no payload is larger than the file that holds it.
        if (payloadSize > Math.Min(Array.MaxLength, _file.Length)) return false;
        if (_payload.Length < payloadSize) _payload = new byte[Math.Max(payloadSize, Math.Min(2L * _payload.Length, Array.MaxLength))];
        var payload = _payload.AsSpan(0, (int)payloadSize);
        local.CopyTo(payload);
        var filled = local.Length;
        var next = firstOverflow;
        var hops = 0L;
        while (filled < payloadSize)
        {
            // A chain longer than the file has pages is a loop.
            if (next == 0 || next > PageCount || ++hops > PageCount || !ReadPage(next, _overflow)) return false;
            var n = (int)Math.Min(_usable - 4, payloadSize - filled);
            _overflow.AsSpan(4, n).CopyTo(payload[filled..]);
            filled += n;
            next = BinaryPrimitives.ReadUInt32BigEndian(_overflow);
        }
        if (!TryParseHeader(payload, out var types, out var bodyStart) || !IsMessageShape(types)) return false;
        ReadOnlySpan<byte> body = payload[bodyStart..];
        if (!TryInt(types[1], ref body, out _) || !TryInt(types[2], ref body, out _)) return false;
        var blob = (types[3] - 12) / 2;
        if (blob > body.Length) return false;
        length = (int)blob;
        if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
        body[..length].CopyTo(buffer);
        return true;
    }

    private bool ReadPage(uint page, byte[] into)
    {
        if (page == 0 || page > PageCount) return false;
        _file.Position = (page - 1L) * PageSize;
        return _file.ReadAtLeast(into, PageSize, throwOnEndOfStream: false) == PageSize;
    }

    /// <summary>A table leaf cell: payload size, rowid, the payload bytes kept on the page, first overflow page.</summary>
    private bool TryReadCell(byte[] page, int at, out long rowId, out ReadOnlySpan<byte> local, out long payloadSize, out uint overflow)
    {
        rowId = 0; local = default; payloadSize = 0; overflow = 0;
        if (at < 8 || at >= _usable) return false;
        var span = page.AsSpan(at, _usable - at);
        var n1 = Varint(span, out var p);
        if (n1 == 0 || p < 0) return false;
        var n2 = Varint(span[n1..], out rowId);
        if (n2 == 0) return false;
        payloadSize = p;
        // How much of the payload stays on the leaf (file format §"Cell Payload Overflow Pages").
        var x = _usable - 35;
        var m = (_usable - 12) * 32 / 255 - 23;
        long onPage = p;
        if (p > x)
        {
            var k = m + (p - m) % (_usable - 4);
            onPage = k <= x ? k : m;
        }
        var start = n1 + n2;
        if (start + onPage + (p > onPage ? 4 : 0) > span.Length) return false;
        local = span.Slice(start, (int)onPage);
        if (p > onPage) overflow = BinaryPrimitives.ReadUInt32BigEndian(span[(start + (int)onPage)..]);
        return true;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> payload, out long[] types, out int bodyStart)
    {
        types = [];
        bodyStart = 0;
        var n = Varint(payload, out var headerSize);
        if (n == 0 || headerSize < n || headerSize > payload.Length || headerSize > 64) return false;
        var list = new List<long>(6);
        var pos = n;
        while (pos < headerSize)
        {
            var k = Varint(payload[pos..(int)headerSize], out var t);
            if (k == 0 || t is 10 or 11 || t < 0) return false;
            list.Add(t);
            pos += k;
        }
        types = [.. list];
        bodyStart = (int)headerSize;
        return true;
    }

    /// <summary>id (rowid alias, stored NULL), topic_id, timestamp, data BLOB.</summary>
    private static bool IsMessageShape(long[] types) =>
        types.Length == 4 && types[0] == 0 && IsInt(types[1]) && IsInt(types[2]) && types[3] >= 12 && types[3] % 2 == 0;

    private static bool IsInt(long t) => t is >= 1 and <= 6 or 8 or 9;

    private static bool TryInt(long type, ref ReadOnlySpan<byte> body, out long value)
    {
        value = 0;
        var size = type switch { 1 => 1, 2 => 2, 3 => 3, 4 => 4, 5 => 6, 6 => 8, _ => 0 };
        if (type == 9) value = 1;
        if (size > body.Length) return false;
        for (var i = 0; i < size; i++) value = (value << 8) | body[i];
        if (size is > 0 and < 8) value = value << (64 - 8 * size) >> (64 - 8 * size); // sign-extend
        body = body[size..];
        return true;
    }

    private static bool IsTopicShape(long[] types, ReadOnlySpan<byte> payload, int bodyStart, out TopicRow? row, long rowId)
    {
        row = null;
        if (types.Length is < 4 or > 6 || types[0] != 0) return false;
        var texts = new string[types.Length - 1];
        var body = payload[bodyStart..];
        for (var i = 1; i < types.Length; i++)
        {
            if (types[i] < 13 || types[i] % 2 == 0) return false;
            var size = (types[i] - 13) / 2;
            if (size > body.Length) return false;
            var len = (int)size;
            texts[i - 1] = Encoding.UTF8.GetString(body[..len]);
            body = body[len..];
        }
        // The type (pkg/msg/Type) is the third column; message_definitions rows (same column count) hold an encoding there.
        if (!texts[1].Contains('/') || texts[0].Length == 0) return false;
        row = new TopicRow(rowId, texts[0], texts[1], texts[2], texts.Length > 3 ? texts[3] : "", texts.Length > 4 ? texts[4] : "");
        return true;
    }

    /// <summary>SQLite varint: big-endian 7-bit groups, up to 9 bytes (the 9th holds 8 bits). Returns bytes used, 0 if cut.</summary>
    private static int Varint(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        for (var i = 0; i < 9; i++)
        {
            if (i >= s.Length) return 0;
            if (i == 8) { value = (value << 8) | s[i]; return 9; }
            value = (value << 7) | (long)(s[i] & 0x7F);
            if ((s[i] & 0x80) == 0) return i + 1;
        }
        return 0;
    }

    /// <summary>The header's page size when it is a valid one that divides the file, else the most common sizes in turn.</summary>
    private static int GuessPageSize(ReadOnlySpan<byte> header, long fileLength)
    {
        if (header.Length >= 18)
        {
            int v = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
            var size = v == 1 ? 65536 : v;
            if (size >= 512 && (size & (size - 1)) == 0 && fileLength % size == 0) return size;
        }
        foreach (var size in new[] { 4096, 1024, 8192, 16384, 32768, 65536, 2048, 512 })
            if (fileLength % size == 0) return size;
        return 4096;
    }

    public void Dispose() => _file.Dispose();
}
