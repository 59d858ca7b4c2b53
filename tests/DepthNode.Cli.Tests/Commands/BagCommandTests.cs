using System.Text.Json;
using DepthNode.Bags;
using DepthNode.Tests;

namespace DepthNode.Cli.Tests.Commands;

public class BagCommandTests
{
    private static string Talker(string storage) => SharedData.Path("bags", "rosbag2", "rosbag2_py", "test", "resources", storage, "talker");

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "depthnode-cli-bag-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(d)!);
        return d;
    }

    [Fact]
    public void Info_Json_MatchesMetadataYaml()
    {
        var (code, stdout, stderr) = CliRunner.Run("bag", "info", Talker("mcap"), "--json");
        Assert.True(code == 0, stderr);
        var js = JsonDocument.Parse(stdout).RootElement;
        // Expected values from talker/metadata.yaml (written by rosbag2) and the README (zstd chunks).
        Assert.Equal("mcap", js.GetProperty("storage").GetString());
        Assert.Equal(["talker.mcap"], js.GetProperty("files").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1585866235112411371, js.GetProperty("start_ns").GetInt64());
        Assert.Equal(4531096768, js.GetProperty("duration_ns").GetInt64());
        Assert.Equal(20, js.GetProperty("message_count").GetInt64());
        Assert.Equal("zstd", js.GetProperty("compression").GetString());
        var topic = js.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "/topic");
        Assert.Equal("std_msgs/msg/String", topic.GetProperty("type").GetString());
        Assert.Equal("cdr", topic.GetProperty("serialization_format").GetString());
        Assert.Equal(10, topic.GetProperty("message_count").GetInt64());
        Assert.Equal(["/parameter_events", "/rosout", "/topic"], js.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
    }

    [Theory]
    [InlineData("mcap")]
    [InlineData("sqlite3")]
    public void Info_MetadataYamlGivenAsTheBag_DescribesItsFolder(string storage)
    {
        var (code, stdout, stderr) = CliRunner.Run("bag", "info", Path.Combine(Talker(storage), "metadata.yaml"));
        Assert.True(code == 0, stderr);
        Assert.Contains($"Storage id:        {storage}", stdout);
        Assert.Contains("Messages:          20", stdout);
        Assert.Equal(CliRunner.Run("bag", "info", Talker(storage)).Stdout, stdout);
    }

    [Fact]
    public void Info_Text_ListsTopicsLikeRos2BagInfo()
    {
        var (code, stdout, _) = CliRunner.Run("bag", "info", Talker("sqlite3"));
        Assert.Equal(0, code);
        Assert.Contains("Storage id:        sqlite3", stdout);
        Assert.Contains("Messages:          20", stdout);
        Assert.Contains("Topic: /topic | Type: std_msgs/msg/String | Count: 10 | Serialization Format: cdr", stdout);
    }

    [Fact]
    public void Info_WrongRmwBag_StillListsIt()
    {
        var (code, stdout, _) = CliRunner.Run("bag", "info", SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "mcap", "wrong_rmw_test"), "--json");
        Assert.Equal(0, code);
        Assert.All(JsonDocument.Parse(stdout).RootElement.GetProperty("topics").EnumerateArray(),
            t => Assert.Equal("wrong_format", t.GetProperty("serialization_format").GetString()));
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("lz4")]
    [InlineData("none")]
    public void Convert_SqliteToMcapAndBack_ByteIdenticalMessages(string compression)
    {
        var dir = TempDir();
        try
        {
            var mcap = Path.Combine(dir, "as_mcap");
            var back = Path.Combine(dir, "back");
            var (c1, o1, e1) = CliRunner.Run("bag", "convert", Talker("sqlite3"), mcap, "--storage", "mcap", "--compression", compression);
            Assert.True(c1 == 0, e1);
            Assert.StartsWith("converted 20 messages", o1);
            var (c2, _, e2) = CliRunner.Run("bag", "convert", mcap, back, "--storage", "sqlite3");
            Assert.True(c2 == 0, e2);
            Assert.True(File.Exists(Path.Combine(mcap, "as_mcap_0.mcap")));
            Assert.True(File.Exists(Path.Combine(mcap, "metadata.yaml")));
            Assert.True(File.Exists(Path.Combine(back, "back_0.db3")));
            using var original = BagReader.Open(Talker("sqlite3"));
            using var converted = BagReader.Open(back);
            var a = original.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
            var b = converted.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
            Assert.Equal(a, b);
            var (c3, o3, _) = CliRunner.Run("bag", "info", mcap, "--json");
            Assert.Equal(0, c3);
            Assert.Equal(compression == "none" ? "" : compression, JsonDocument.Parse(o3).RootElement.GetProperty("compression").GetString());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Recover_TruncatedMcap_WritesACompleteBag()
    {
        var dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            // Make a bag with our writer (chunked, small chunks), then cut its file as a killed recorder would.
            var bag = Path.Combine(dir, "rec");
            using (var src = BagReader.Open(Talker("sqlite3"))) BagConverter.Convert(src, bag, BagStorage.Mcap, McapCompression.None, new BagWriterOptions { McapChunkSize = 512 });
            var file = Path.Combine(bag, "rec_0.mcap");
            var bytes = File.ReadAllBytes(file);
            var cut = Path.Combine(dir, "cut.mcap");
            long cutAt;
            using (var r = DepthNode.Bags.Mcap.McapReader.Open(file))
                cutAt = (long)r.ChunkIndexes[r.ChunkIndexes.Count / 2].ChunkStartOffset + 20; // inside a middle chunk
            File.WriteAllBytes(cut, bytes.AsSpan(0, (int)cutAt).ToArray());
            var (code, stdout, stderr) = CliRunner.Run("bag", "recover", cut, Path.Combine(dir, "fixed"));
            Assert.True(code == 0, stderr);
            Assert.Contains("warning: cut.mcap: truncated at offset", stderr);
            using var fixedBag = BagReader.Open(Path.Combine(dir, "fixed"));
            Assert.NotNull(fixedBag.Metadata);
            var n = fixedBag.ReadMessages().Count();
            Assert.True(n > 0 && n < 20, $"{n} messages recovered");
            Assert.Contains($"recovered {n} messages", stdout);
            Assert.Empty(fixedBag.Warnings);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CorruptFile_OneLineErrorNamingFileAndOffset_NonZeroExit()
    {
        var dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "garbage.mcap");
            File.WriteAllBytes(path, "this is not an mcap file at all"u8.ToArray());
            var (code, _, stderr) = CliRunner.Run("bag", "info", path);
            Assert.Equal(1, code);
            Assert.Equal("depthnode bag: garbage.mcap: invalid magic at offset 0: not an MCAP file (starts with 7468697320697320)", stderr.Trim());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnknownSubCommand_AndBadOptions_ExitTwo()
    {
        Assert.Equal(2, CliRunner.Run("bag", "frobnicate").Code);
        var (code, _, stderr) = CliRunner.Run("bag", "convert", Talker("mcap"), "/tmp/x", "--storage", "rosbag1");
        Assert.Equal(2, code);
        Assert.Contains("--storage must be mcap or sqlite3", stderr);
    }

    [Fact]
    public void Convert_UnknownBagFormat_ExitTwoNamingTheAllowedValues()
    {
        var (code, _, stderr) = CliRunner.Run("bag", "convert", Talker("mcap"), "/tmp/x", "--bag-format", "iron");
        Assert.Equal(2, code);
        Assert.Equal("depthnode bag: --bag-format must be humble or jazzy, got 'iron'", stderr.Trim());
    }

    [Fact]
    public void Convert_WithoutBagFormat_KeepsAVersion9BagJazzy_AndGivesOlderOnesHumblesLayout()
    {
        var dir = TempDir();
        try
        {
            var jazzy = Path.Combine(dir, "jazzy");
            var (code, stdout, stderr) = CliRunner.Run("bag", "convert", Talker("mcap"), jazzy, "--bag-format", "jazzy");
            Assert.True(code == 0, stderr);
            Assert.Contains("jazzy layout", stdout);
            var again = Path.Combine(dir, "again");
            (code, stdout, stderr) = CliRunner.Run("bag", "convert", jazzy, again);
            Assert.True(code == 0, stderr);
            Assert.Contains("  version: 9\n", File.ReadAllText(Path.Combine(again, "metadata.yaml")));
            var humble = Path.Combine(dir, "humble");
            (code, _, stderr) = CliRunner.Run("bag", "convert", Talker("sqlite3"), humble); // metadata.yaml version 4
            Assert.True(code == 0, stderr);
            var yaml = File.ReadAllText(Path.Combine(humble, "metadata.yaml"));
            Assert.Contains("  version: 5\n", yaml);
            Assert.Empty(HumbleBagRules.Violations(yaml));
        }
        finally { Directory.Delete(dir, true); }
    }
}
