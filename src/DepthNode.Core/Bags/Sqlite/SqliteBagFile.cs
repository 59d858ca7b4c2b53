using Microsoft.Data.Sqlite;

namespace DepthNode.Bags.Sqlite;

/// <summary>
/// Reads one rosbag2 <c>.db3</c> file, schema versions 1–4 (detected as rosbag2 does: a <c>schema</c> table gives
/// the version; else a <c>topics.offered_qos_profiles</c> column means 2; else 1). Schema-1 type names without
/// <c>/msg/</c> (e.g. <c>sensor_msgs/Image</c>) are normalised to <c>pkg/msg/Type</c>; later schemas keep the stored name. Message definitions come
/// from the <c>message_definitions</c> table (schema 4). Storage has no publish time, so it equals the log time.
/// A damaged file (SQLite "database disk image is malformed") is read page by page instead: see the Salvage part.
/// </summary>
public sealed partial class SqliteBagFile : IDisposable
{
    private readonly SqliteConnection? _db;
    private readonly Dictionary<long, TopicInfo> _topicsById = [];
    private readonly List<TopicInfo> _topics = [];
    private readonly bool _hasTimestampIndex;

    public SqliteBagFile(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new BagFormatException($"{path}: file not found");
        // A WAL-mode bag with a non-empty -wal file must be read through SQLite's WAL logic; otherwise open it
        // immutable, which never touches the (possibly read-only) folder.
        var wal = path + "-wal";
        var immutable = !File.Exists(wal) || new FileInfo(wal).Length == 0;
        var source = immutable ? $"file:{Uri.EscapeDataString(System.IO.Path.GetFullPath(path)).Replace("%2F", "/")}?immutable=1" : path;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            _db.Open();
            SchemaVersion = DetectSchemaVersion();
            LoadTopics();
            using var index = new SqliteCommand("SELECT count(*) FROM sqlite_master WHERE type='index' AND name='timestamp_idx'", _db);
            _hasTimestampIndex = Convert.ToInt64(index.ExecuteScalar()) > 0;
        }
        catch (Exception e) when (IsDamage(e))
        {
            _db.Dispose();
            _db = null;
            // SQLite cannot even read the schema (damaged header or schema page): the rows may still be on their pages.
            if (!OpenDamaged(e.Message)) throw new BagFormatException($"{path}: not a readable rosbag2 sqlite3 file: {e.Message}", e);
        }
    }

    public string Path { get; }
    public int SchemaVersion { get; private set; }
    public string RosDistro { get; private set; } = "";
    public IReadOnlyList<TopicInfo> Topics => _topics;

    private long Scalar(string sql) => Convert.ToInt64(new SqliteCommand(sql, _db).ExecuteScalar() ?? 0L);

    private bool HasTable(string name)
    {
        using var cmd = new SqliteCommand("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=$n", _db);
        cmd.Parameters.AddWithValue("$n", name);
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    private bool HasColumn(string table, string column)
    {
        using var cmd = new SqliteCommand($"SELECT count(*) FROM pragma_table_info('{table}') WHERE name=$c", _db);
        cmd.Parameters.AddWithValue("$c", column);
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    private int DetectSchemaVersion()
    {
        if (!HasTable("topics") || !HasTable("messages")) throw new BagFormatException($"{Path}: no 'topics'/'messages' tables: not a rosbag2 sqlite3 bag");
        if (HasTable("schema"))
        {
            using var cmd = new SqliteCommand("SELECT schema_version, ros_distro FROM schema ORDER BY schema_version DESC LIMIT 1", _db);
            using var r = cmd.ExecuteReader();
            if (r.Read())
            {
                RosDistro = r.IsDBNull(1) ? "" : r.GetString(1);
                return r.GetInt32(0);
            }
        }
        return HasColumn("topics", "offered_qos_profiles") ? 2 : 1;
    }

    private void LoadTopics()
    {
        var definitions = new Dictionary<string, (string Encoding, string Text)>(StringComparer.Ordinal);
        if (HasTable("message_definitions"))
        {
            using var cmd = new SqliteCommand("SELECT topic_type, encoding, encoded_message_definition FROM message_definitions", _db);
            using var r = cmd.ExecuteReader();
            // rosbag2 stores encoding "unknown" with empty text when it had no definition; MCAP says "" for that.
            while (r.Read())
                definitions[r.GetString(0)] = (r.GetString(1) == "unknown" && r.GetString(2).Length == 0 ? "" : r.GetString(1), r.GetString(2));
        }
        var qos = HasColumn("topics", "offered_qos_profiles");
        var hash = HasColumn("topics", "type_description_hash");
        var sql = $"SELECT id, name, type, serialization_format, {(qos ? "offered_qos_profiles" : "''")}, {(hash ? "type_description_hash" : "''")} FROM topics ORDER BY id";
        using (var cmd = new SqliteCommand(sql, _db))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                // Schema 1 (Crystal–Eloquent) stored "pkg/Type"; later schemas store whatever rosbag2 was given, kept as is.
                var type = SchemaVersion == 1 ? NormaliseType(r.GetString(2)) : r.GetString(2);
                definitions.TryGetValue(type, out var def);
                var t = new TopicInfo(r.GetString(1), type, r.GetString(3), r.IsDBNull(4) ? "" : r.GetString(4), r.IsDBNull(5) ? "" : r.GetString(5),
                    def.Text ?? "", def.Encoding ?? "");
                _topicsById[r.GetInt64(0)] = t;
                _topics.Add(t);
            }
        }
    }

    /// <summary><c>pkg/Type</c> → <c>pkg/msg/Type</c>; names that already have a middle part stay.</summary>
    public static string NormaliseType(string type)
    {
        var parts = type.Split('/');
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 ? $"{parts[0]}/msg/{parts[1]}" : type;
    }

    /// <summary>Per-topic message counts and the time range, straight from SQL (from the pages when the file is damaged).</summary>
    public (Dictionary<TopicInfo, long> Counts, long Start, long End, long Total) Statistics()
    {
        if (_db is not null && _damage is null)
        {
            try { return SqlStatistics(_db); }
            catch (Exception e) when (IsDamage(e)) { MarkDamaged(e.Message); }
        }
        return SalvagedStatistics();
    }

    private (Dictionary<TopicInfo, long> Counts, long Start, long End, long Total) SqlStatistics(SqliteConnection db)
    {
        var counts = _topics.ToDictionary(t => t, _ => 0L);
        using (var cmd = new SqliteCommand("SELECT topic_id, count(*) FROM messages GROUP BY topic_id", db))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                if (_topicsById.TryGetValue(r.GetInt64(0), out var t)) counts[t] = r.GetInt64(1);
        using var range = new SqliteCommand("SELECT min(timestamp), max(timestamp), count(*) FROM messages", db);
        using var rr = range.ExecuteReader();
        rr.Read();
        var total = rr.GetInt64(2);
        return total == 0 ? (counts, 0, 0, 0) : (counts, rr.GetInt64(0), rr.GetInt64(1), total);
    }

    /// <summary>
    /// Messages ordered by timestamp (ties by insertion order). Data is a reused buffer: valid until the next message.
    /// When SQLite reports damage part way, the rest comes from the pages, continuing after the last message yielded.
    /// </summary>
    public IEnumerable<BagMessage> ReadMessages(BagReadOptions options)
    {
        var ids = _topicsById.Where(kv => options.Includes(kv.Value.Name)).Select(kv => kv.Key).ToList();
        if (ids.Count == 0) yield break;
        (long Time, long Id)? last = null;
        if (_db is not null && _damage is null)
        {
            var filter = ids.Count == _topicsById.Count ? "" : $" AND topic_id IN ({string.Join(",", ids)})";
            var where = $"timestamp >= $s AND timestamp < $e{filter}";
            CheckIndexAgreesWithTable(_db, where, options);
            using var cmd = new SqliteCommand($"SELECT topic_id, timestamp, data, id FROM messages WHERE {where} ORDER BY timestamp, id", _db);
            cmd.Parameters.AddWithValue("$s", options.StartTimeNs);
            cmd.Parameters.AddWithValue("$e", options.EndTimeNs);
            using var r = TryExecute(cmd);
            var buffer = new byte[1024];
            while (r is not null && _damage is null && TryNext(r, ref buffer, out var message, out var id))
            {
                yield return message;
                last = (message.LogTimeNs, id);
            }
            if (_damage is null) yield break;
        }
        foreach (var m in SalvagedMessages(options, last)) yield return m;
    }

    private SqliteDataReader? TryExecute(SqliteCommand cmd)
    {
        try { return cmd.ExecuteReader(); }
        catch (Exception e) when (IsDamage(e)) { MarkDamaged(e.Message); return null; }
    }

    private bool TryNext(SqliteDataReader r, ref byte[] buffer, out BagMessage message, out long id)
    {
        message = default;
        id = 0;
        try
        {
            if (!r.Read()) return false;
            if (!_topicsById.TryGetValue(r.GetInt64(0), out var topic))
                throw new BagFormatException($"{Path}: message refers to unknown topic id {r.GetInt64(0)}");
            var t = r.GetInt64(1);
            var len = (int)r.GetBytes(2, 0, null, 0, 0);
            if (len > buffer.Length) buffer = new byte[Math.Max(len, buffer.Length * 2)];
            r.GetBytes(2, 0, buffer, 0, len);
            id = r.GetInt64(3);
            message = new BagMessage(topic, t, t, buffer.AsMemory(0, len));
            return true;
        }
        catch (Exception e) when (IsDamage(e))
        {
            MarkDamaged(e.Message);
            return false;
        }
    }

    public void Dispose() => _db?.Dispose();
}
