using System.Security.Cryptography;
using System.Text.Json;
using DepthNode.Tests;
using Microsoft.Data.Sqlite;

namespace DepthNode.Cli.Tests.Commands;

public class BagEchoCommandTests
{
    private static string CdrTest(string storage) => SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", storage, "cdr_test");

    private static List<long> SqliteTimestamps(string db, string topic)
    {
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT m.timestamp FROM messages m JOIN topics t ON t.id = m.topic_id WHERE t.name = $t ORDER BY m.timestamp";
        cmd.Parameters.AddWithValue("$t", topic);
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read()) list.Add(r.GetInt64(0));
        return list;
    }

    [Theory]
    [InlineData("mcap")]
    [InlineData("sqlite3")]
    public void Echo_CdrTestBasicTypes_OneJsonObjectPerLine(string storage)
    {
        var (code, stdout, stderr) = CliRunner.Run("bag", "echo", CdrTest(storage), "--topic", "/test_topic", "--json");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expectedTimes = SqliteTimestamps(Path.Combine(CdrTest("sqlite3"), "cdr_test_0.db3"), "/test_topic");
        Assert.Equal(expectedTimes.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.Equal(["topic", "log_time_ns", "type", "message"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal("/test_topic", root.GetProperty("topic").GetString());
            Assert.Equal("test_msgs/msg/BasicTypes", root.GetProperty("type").GetString());
            Assert.Equal(expectedTimes[i], root.GetProperty("log_time_ns").GetInt64());
            // rosbag2's play test expects int32_value 123 in every BasicTypes message of this bag.
            Assert.Equal(123, root.GetProperty("message").GetProperty("int32_value").GetInt32());
        }
    }

    [Fact]
    public void Echo_SampleDb3Image_WithoutStoredSchema_UsesBuiltInDefinition_AndHashesTheData()
    {
        var db = SharedData.Path("bags", "rosbag2js", "sample.db3");
        var (code, stdout, stderr) = CliRunner.Run("bag", "echo", db, "--topic", "/image", "--limit", "1", "--json");
        Assert.True(code == 0, stderr);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        var m = doc.RootElement.GetProperty("message");
        Assert.Equal(640, m.GetProperty("width").GetInt32());
        Assert.Equal("bgr8", m.GetProperty("encoding").GetString());
        // The pixel bytes start at payload offset 48 (header with empty frame_id, see shared/docs C3); hash them
        // straight from the database row.
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT data FROM messages WHERE topic_id = (SELECT id FROM topics WHERE name = '/image') ORDER BY timestamp LIMIT 1";
        var blob = (byte[])cmd.ExecuteScalar()!;
        var data = m.GetProperty("data");
        Assert.Equal(921600, data.GetProperty("length").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(blob.AsSpan(48, 921600))), data.GetProperty("sha256").GetString());
    }

    [Fact]
    public void Echo_TextMode_And_Limit()
    {
        var (code, stdout, _) = CliRunner.Run("bag", "echo", CdrTest("mcap"), "--topic", "/array_topic", "--limit", "2");
        Assert.Equal(0, code);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith("--- /array_topic @ ", StringComparison.Ordinal)));
        Assert.Contains("\"Complex Hello1\"", stdout);
    }

    [Fact]
    public void Echo_WrongSerializationFormat_IsRefusedNamingIt()
    {
        var bag = SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "mcap", "wrong_rmw_test");
        var (code, _, stderr) = CliRunner.Run("bag", "echo", bag, "--topic", "/test_topic");
        Assert.Equal(1, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("wrong_format", stderr);
    }

    [Fact]
    public void Echo_UnknownTopic_ListsTheTopics()
    {
        var (code, _, stderr) = CliRunner.Run("bag", "echo", CdrTest("mcap"), "--topic", "/nope");
        Assert.Equal(1, code);
        Assert.Contains("no topic '/nope'", stderr);
        Assert.Contains("/array_topic", stderr);
    }
}
