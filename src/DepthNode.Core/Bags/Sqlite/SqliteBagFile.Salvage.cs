using Microsoft.Data.Sqlite;

namespace DepthNode.Bags.Sqlite;

/// <summary>
/// Reading a damaged <c>.db3</c> (a power cut mid-write leaves one): once SQLite reports damage, rows come from
/// <see cref="SqliteRowScanner"/>, which reads every table leaf page on its own, so a bad page loses only its rows.
/// The messages SQLite already returned are not repeated; what was lost is counted and reported as a warning.
/// </summary>
public sealed partial class SqliteBagFile
{
    private readonly List<string> _warnings = [];
    private string? _damage;
    private List<SqliteRowScanner.MessageKey>? _salvaged;
    private int _damagedPages;
    private HashSet<long> _indexedRowIds = [];

    /// <summary>Damage found so far, one line each, naming the file.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>True once SQLite has reported the file as damaged; messages then come from its pages.</summary>
    public bool IsDamaged => _damage is not null;

    private void Warn(string warning)
    {
        if (!_warnings.Contains(warning)) _warnings.Add(warning);
    }

    /// <summary>What damage looks like through SQLite: an error (11 "malformed", 26 "not a database"), or a
    /// NOT NULL column read back as NULL or as another type.</summary>
    private static bool IsDamage(Exception e) => e is SqliteException or InvalidOperationException or InvalidCastException or FormatException;

    private void MarkDamaged(string reason)
    {
        if (_damage is not null) return;
        _damage = reason;
        Warn($"{Path}: damaged sqlite3 file ({reason}); reading its rows straight from the pages");
    }

    /// <summary>
    /// Messages are read in timestamp order through <c>timestamp_idx</c>; a damaged index page that SQLite does not
    /// notice would silently drop rows. Counting the same selection with and without the index catches that for
    /// the price of one pass over the table's leaf pages (payload overflow pages are not read).
    /// </summary>
    private void CheckIndexAgreesWithTable(SqliteConnection db, string where, BagReadOptions options)
    {
        if (!_hasTimestampIndex) return;
        try
        {
            using var cmd = new SqliteCommand($"SELECT (SELECT count(*) FROM messages NOT INDEXED WHERE {where}), (SELECT count(*) FROM messages INDEXED BY timestamp_idx WHERE {where})", db);
            cmd.Parameters.AddWithValue("$s", options.StartTimeNs);
            cmd.Parameters.AddWithValue("$e", options.EndTimeNs);
            using var r = cmd.ExecuteReader();
            r.Read();
            if (r.GetInt64(0) != r.GetInt64(1))
                MarkDamaged($"timestamp_idx lists {r.GetInt64(1)} messages, the messages table holds {r.GetInt64(0)}");
        }
        catch (Exception e) when (IsDamage(e)) { MarkDamaged(e.Message); }
    }

    /// <summary>SQLite could not read the schema: take topics and messages from the pages, or say why not.</summary>
    private bool OpenDamaged(string reason)
    {
        MarkDamaged(reason);
        _topics.Clear();
        _topicsById.Clear();
        using var scanner = new SqliteRowScanner(Path);
        var (messages, topics) = scanner.Scan();
        _salvaged = Sorted(messages);
        _damagedPages = scanner.DamagedPages;
        _indexedRowIds = scanner.IndexedRowIds;
        if (topics.Count == 0)
        {
            if (messages.Count == 0) return false;
            throw new BagFormatException($"{Path}: damaged sqlite3 file ({reason}): {messages.Count} message rows are on its pages, but no topics row is readable, so their types are unknown");
        }
        // Column count tells the schema: 4 columns (no QoS) is schema 1, which stored types without /msg/.
        var schema1 = topics.All(t => t.OfferedQosProfiles.Length == 0 && t.TypeDescriptionHash.Length == 0);
        SchemaVersion = 0;
        foreach (var row in topics.OrderBy(t => t.Id))
        {
            if (_topicsById.ContainsKey(row.Id)) continue;
            var t = new TopicInfo(row.Name, schema1 ? NormaliseType(row.Type) : row.Type, row.SerializationFormat, row.OfferedQosProfiles, row.TypeDescriptionHash, "", "");
            _topicsById[row.Id] = t;
            _topics.Add(t);
        }
        return true;
    }

    private static List<SqliteRowScanner.MessageKey> Sorted(List<SqliteRowScanner.MessageKey> keys)
    {
        keys.Sort((a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.RowId.CompareTo(b.RowId));
        return keys;
    }

    private List<SqliteRowScanner.MessageKey> SalvagedKeys()
    {
        if (_salvaged is not null) return _salvaged;
        using var scanner = new SqliteRowScanner(Path);
        var (messages, _) = scanner.Scan();
        _damagedPages = scanner.DamagedPages;
        _indexedRowIds = scanner.IndexedRowIds;
        return _salvaged = Sorted(messages);
    }

    private (Dictionary<TopicInfo, long> Counts, long Start, long End, long Total) SalvagedStatistics()
    {
        var counts = _topics.ToDictionary(t => t, _ => 0L);
        long start = long.MaxValue, end = long.MinValue, total = 0;
        foreach (var k in SalvagedKeys())
        {
            if (!_topicsById.TryGetValue(k.TopicId, out var t)) continue;
            counts[t]++;
            start = Math.Min(start, k.Timestamp);
            end = Math.Max(end, k.Timestamp);
            total++;
        }
        WarnLost(SalvagedKeys(), unreadable: 0);
        return total == 0 ? (counts, 0, 0, 0) : (counts, start, end, total);
    }

    /// <summary>The messages after <paramref name="after"/> (the last one SQLite returned), read from their pages.</summary>
    private IEnumerable<BagMessage> SalvagedMessages(BagReadOptions options, (long Time, long Id)? after)
    {
        var keys = SalvagedKeys();
        var buffer = new byte[1024];
        var unreadable = 0;
        using (var scanner = new SqliteRowScanner(Path))
        {
            foreach (var k in keys)
            {
                if (after is { } a && (k.Timestamp < a.Time || (k.Timestamp == a.Time && k.RowId <= a.Id))) continue;
                if (k.Timestamp < options.StartTimeNs || k.Timestamp >= options.EndTimeNs) continue;
                if (!_topicsById.TryGetValue(k.TopicId, out var topic)) { unreadable++; continue; }
                if (!options.Includes(topic.Name)) continue;
                if (!scanner.TryReadData(k, ref buffer, out var length)) { unreadable++; continue; }
                yield return new BagMessage(topic, k.Timestamp, k.Timestamp, buffer.AsMemory(0, length));
            }
        }
        WarnLost(keys, unreadable);
    }

    /// <summary>
    /// The rows that existed: those the timestamp index names, and (rosbag2 numbers rows 1, 2, 3, …) every id below
    /// the highest one found. Those not found were on damaged pages.
    /// </summary>
    private void WarnLost(List<SqliteRowScanner.MessageKey> keys, int unreadable)
    {
        var found = keys.Select(k => k.RowId).ToHashSet();
        var max = Math.Max(keys.Count == 0 ? 0 : found.Max(), _indexedRowIds.Count == 0 ? 0 : _indexedRowIds.Max());
        var missing = _indexedRowIds.Count(id => !found.Contains(id));
        for (long id = 1; id <= max; id++)
            if (!found.Contains(id) && !_indexedRowIds.Contains(id)) missing++;
        Warn($"{Path}: damaged sqlite3 file: {keys.Count - unreadable} messages read from its pages, {missing + unreadable} lost " +
             $"({missing} rows not found on any intact page, {unreadable} with unreadable data or an unknown topic)");
    }
}
