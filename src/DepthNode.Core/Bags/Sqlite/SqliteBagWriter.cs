using Microsoft.Data.Sqlite;

namespace DepthNode.Bags.Sqlite;

/// <summary>
/// Writes a rosbag2 <c>.db3</c> in the current schema (4): <c>schema</c>, <c>metadata</c>, <c>topics</c> (with QoS
/// and type hash), <c>message_definitions</c>, <c>messages</c> and the <c>timestamp_idx</c> index, as
/// rosbag2_storage_sqlite3 creates them. Messages are inserted in one transaction per 1000 rows.
/// </summary>
public sealed class SqliteBagWriter : IDisposable
{
    private const int SchemaVersion = 4;
    private readonly SqliteConnection _db;
    private readonly Dictionary<string, long> _topicIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _definedTypes = new(StringComparer.Ordinal);
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _pTopic, _pTime, _pData;
    private SqliteTransaction? _tx;
    private int _pending;
    private byte[] _blob = [];

    public SqliteBagWriter(string path, string rosDistro)
    {
        if (File.Exists(path)) File.Delete(path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _db.Open();
        Exec("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;");
        Exec("CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);");
        Exec("CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);");
        Exec("CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL,type_description_hash TEXT NOT NULL);");
        Exec("CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL);");
        Exec("CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);");
        Exec("CREATE INDEX timestamp_idx ON messages (timestamp ASC);");
        using (var cmd = new SqliteCommand("INSERT INTO schema(schema_version, ros_distro) VALUES($v, $d)", _db))
        {
            cmd.Parameters.AddWithValue("$v", SchemaVersion);
            cmd.Parameters.AddWithValue("$d", rosDistro);
            cmd.ExecuteNonQuery();
        }
        _insert = new SqliteCommand("INSERT INTO messages(topic_id, timestamp, data) VALUES($t, $s, $d)", _db);
        _pTopic = _insert.Parameters.Add("$t", SqliteType.Integer);
        _pTime = _insert.Parameters.Add("$s", SqliteType.Integer);
        _pData = _insert.Parameters.Add("$d", SqliteType.Blob);
    }

    private void Exec(string sql) { using var c = new SqliteCommand(sql, _db); c.ExecuteNonQuery(); }

    public void AddTopic(TopicInfo t)
    {
        if (_topicIds.ContainsKey(t.Name)) throw new InvalidOperationException($"topic {t.Name} added twice");
        using (var cmd = new SqliteCommand("INSERT INTO topics(name, type, serialization_format, offered_qos_profiles, type_description_hash) VALUES($n,$t,$f,$q,$h); SELECT last_insert_rowid();", _db, _tx))
        {
            cmd.Parameters.AddWithValue("$n", t.Name);
            cmd.Parameters.AddWithValue("$t", t.Type);
            cmd.Parameters.AddWithValue("$f", t.SerializationFormat);
            cmd.Parameters.AddWithValue("$q", t.OfferedQosProfiles);
            cmd.Parameters.AddWithValue("$h", t.TypeDescriptionHash);
            _topicIds[t.Name] = Convert.ToInt64(cmd.ExecuteScalar());
        }
        if (_definedTypes.Add(t.Type))
        {
            using var cmd = new SqliteCommand("INSERT INTO message_definitions(topic_type, encoding, encoded_message_definition, type_description_hash) VALUES($t,$e,$d,$h)", _db, _tx);
            cmd.Parameters.AddWithValue("$t", t.Type);
            cmd.Parameters.AddWithValue("$e", t.MessageDefinition.Length == 0 && t.MessageDefinitionEncoding.Length == 0 ? "unknown" : t.MessageDefinitionEncoding);
            cmd.Parameters.AddWithValue("$d", t.MessageDefinition);
            cmd.Parameters.AddWithValue("$h", t.TypeDescriptionHash);
            cmd.ExecuteNonQuery();
        }
    }

    public void Write(string topic, long timestampNs, ReadOnlySpan<byte> data)
    {
        if (!_topicIds.TryGetValue(topic, out var id)) throw new InvalidOperationException($"topic {topic} was not added");
        _tx ??= _db.BeginTransaction();
        _insert.Transaction = _tx;
        _pTopic.Value = id;
        _pTime.Value = timestampNs;
        // Microsoft.Data.Sqlite binds byte[] values; one growing buffer with Size limiting the bound length avoids
        // allocating a payload-sized array per message (Size 0 would mean "whole array", hence the empty case).
        if (data.Length == 0)
        {
            _pData.Value = Array.Empty<byte>();
            _pData.Size = -1;
        }
        else
        {
            if (_blob.Length < data.Length) _blob = new byte[Math.Max(data.Length, _blob.Length * 2)];
            data.CopyTo(_blob);
            _pData.Value = _blob;
            _pData.Size = data.Length;
        }
        _insert.ExecuteNonQuery();
        if (++_pending >= 1000) Commit();
    }

    /// <summary>Stores the bag's metadata YAML in the <c>metadata</c> table (schema ≥ 3 readers use it without metadata.yaml).</summary>
    public void WriteMetadata(int version, string yaml)
    {
        Commit();
        using var cmd = new SqliteCommand("INSERT INTO metadata(metadata_version, metadata) VALUES($v, $m)", _db);
        cmd.Parameters.AddWithValue("$v", version);
        cmd.Parameters.AddWithValue("$m", yaml);
        cmd.ExecuteNonQuery();
    }

    private void Commit()
    {
        _tx?.Commit();
        _tx?.Dispose();
        _tx = null;
        _pending = 0;
    }

    public void Dispose()
    {
        Commit();
        _insert.Dispose();
        _db.Dispose();
    }
}
