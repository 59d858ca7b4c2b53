using Microsoft.Data.Sqlite;

namespace DepthNode.Core.Tests.Cdr;

/// <summary>
/// Test-only access to the raw rows of a rosbag2 sqlite3 file (any schema version), so the CDR tests run on real
/// recorded bytes without depending on the bag reader.
/// </summary>
internal static class SqliteRows
{
    public sealed record Row(string Topic, string Type, long Timestamp, byte[] Data);

    public static List<Row> Messages(string path)
    {
        using var db = Open(path);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT t.name, t.type, m.timestamp, m.data FROM messages m JOIN topics t ON t.id = m.topic_id ORDER BY m.timestamp, m.id";
        using var r = cmd.ExecuteReader();
        var rows = new List<Row>();
        while (r.Read()) rows.Add(new Row(r.GetString(0), r.GetString(1), r.GetInt64(2), (byte[])r[3]));
        return rows;
    }

    /// <summary>message_definitions rows (schema 4): type name → (encoding, text).</summary>
    public static Dictionary<string, (string Encoding, string Text)> Definitions(string path)
    {
        using var db = Open(path);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT topic_type, encoding, encoded_message_definition FROM message_definitions";
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<string, (string, string)>();
        while (r.Read()) d[r.GetString(0)] = (r.GetString(1), r.GetString(2));
        return d;
    }

    private static SqliteConnection Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        return db;
    }
}
