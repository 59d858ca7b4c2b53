using DepthNode.Bags;
using DepthNode.Bags.Mcap;
using DepthNode.Tests;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>
/// Bag commands on damaged copies of real bags: no stack trace, exit 0 when something is readable, a warning that
/// names the damaged file, and the same output for every message that was not damaged as on the intact bag.
/// </summary>
public class BagDamageCommandTests
{
    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "depthnode-cli-damage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string TalkerDb3 => SharedData.Path("bags", "rosbag2", "rosbag2_py", "test", "resources", "sqlite3", "talker", "talker.db3");

    /// <summary>A copy of talker.db3 with the b-tree page header of page <paramref name="page"/> overwritten
    /// (page 3 holds every message row, page 4 the timestamp index: `sqlite3 talker.db3 "SELECT name, pageno FROM dbstat"`).</summary>
    private static string DamagedTalker(string dir, int page)
    {
        var bytes = File.ReadAllBytes(TalkerDb3);
        bytes.AsSpan((page - 1) * 4096, 8).Fill(0xA5);
        var path = Path.Combine(dir, "talker.db3");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Echo_Db3WithDamagedIndexPage_PrintsWhatTheIntactBagPrints()
    {
        var dir = TempDir();
        try
        {
            var damaged = DamagedTalker(dir, 4);
            var (c0, intact, _) = CliRunner.Run("bag", "echo", TalkerDb3, "--topic", "/topic", "--json");
            Assert.Equal(0, c0);
            var (code, stdout, stderr) = CliRunner.Run("bag", "echo", damaged, "--topic", "/topic", "--json");
            Assert.True(code == 0, stderr);
            Assert.Equal(intact, stdout);
            Assert.Equal(10, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains($"warning: {damaged}: damaged sqlite3 file (SQLite Error 11", stderr);
            Assert.DoesNotContain("   at ", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InfoAndConvert_Db3WithItsMessagePageDestroyed_SayHowManyRowsWereLost()
    {
        var dir = TempDir();
        try
        {
            var damaged = DamagedTalker(dir, 3);
            var (code, stdout, stderr) = CliRunner.Run("bag", "info", damaged);
            Assert.True(code == 0, stderr);
            Assert.Contains("Messages:          0", stdout);
            // All 20 rows were on that page; the timestamp index still names them.
            Assert.Contains($"warning: {damaged}: damaged sqlite3 file: 0 messages read from its pages, 20 lost", stderr);
            var (c2, o2, e2) = CliRunner.Run("bag", "convert", damaged, Path.Combine(dir, "out"), "--storage", "mcap");
            Assert.True(c2 == 0, e2);
            Assert.StartsWith("converted 0 messages on 3 topics", o2);
            Assert.DoesNotContain("   at ", stderr + e2);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>talker as MCAP with one chunk per message, so each chunk holds one topic.</summary>
    private static string TalkerMcapOneChunkPerMessage(string dir)
    {
        var folder = Path.Combine(dir, "talker_mcap");
        using (var input = BagReader.Open(TalkerDb3))
            BagConverter.Convert(input, folder, BagStorage.Mcap, McapCompression.Zstd, new BagWriterOptions { McapChunkSize = 1 });
        return folder;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Echo_McapDamagedInAChunkOfAnotherTopic_PrintsEveryMessage(bool withSummary)
    {
        var dir = TempDir();
        try
        {
            var folder = TalkerMcapOneChunkPerMessage(dir);
            var file = Path.Combine(folder, "talker_mcap_0.mcap");
            var (c0, intactTopic, _) = CliRunner.Run("bag", "echo", folder, "--topic", "/topic", "--json");
            var (c1, intactRosout, _) = CliRunner.Run("bag", "echo", folder, "--topic", "/rosout", "--json");
            Assert.Equal((0, 0), (c0, c1));
            long victim;
            using (var r = McapReader.Open(file))
            {
                var rosout = r.Channels.Values.Single(c => c.Topic == "/rosout").Id;
                victim = (long)r.ChunkIndexes.Where(ci => ci.MessageIndexOffsets.Keys.SequenceEqual([rosout])).ElementAt(3).ChunkStartOffset;
            }
            var bytes = File.ReadAllBytes(file);
            bytes[victim + 9 + 24] ^= 0xFF; // the chunk's CRC
            if (!withSummary) bytes = bytes[..^40]; // footer gone: no index to go by
            File.WriteAllBytes(file, bytes);

            var (code, stdout, stderr) = CliRunner.Run("bag", "echo", folder, "--topic", "/topic", "--json");
            Assert.True(code == 0, stderr);
            Assert.Equal(intactTopic, stdout);
            var (code2, rosoutOut, stderr2) = CliRunner.Run("bag", "echo", folder, "--topic", "/rosout", "--json");
            Assert.True(code2 == 0, stderr2);
            var intactLines = intactRosout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            var lines = rosoutOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            Assert.Equal(intactLines.Count - 1, lines.Count);
            Assert.Equal(lines, intactLines.Where(l => lines.Contains(l)));
            Assert.Contains($"talker_mcap_0.mcap: damaged", stderr2);
            Assert.Contains($"offset {victim}", stderr2);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Recover_DamagedChunk_SkipsItAndSaysSo()
    {
        var dir = TempDir();
        try
        {
            var folder = TalkerMcapOneChunkPerMessage(dir);
            var file = Path.Combine(folder, "talker_mcap_0.mcap");
            var bytes = File.ReadAllBytes(file);
            long victim;
            using (var r = McapReader.Open(file)) victim = (long)r.ChunkIndexes[5].ChunkStartOffset;
            bytes[victim] = 0; // opcode 0: not a record
            File.WriteAllBytes(file, bytes);
            var (code, stdout, stderr) = CliRunner.Run("bag", "recover", file, Path.Combine(dir, "fixed.mcap"));
            Assert.True(code == 0, stderr);
            Assert.StartsWith($"recovered 19 messages on 3 channels", stdout);
            Assert.True(stdout.Contains("skipped 1 damaged records"), stdout + stderr);
            Assert.Contains($"damaged data at offset {victim}", stderr);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Convert_McapToSqlite_SaysPublishTimesAreReplaced()
    {
        var dir = TempDir();
        try
        {
            // publish_time = log_time - 1 µs for every other message; sqlite3 cannot keep it.
            var mcap = Path.Combine(dir, "stamps.mcap");
            using (var w = McapWriter.Create(mcap))
            {
                var ch = w.AddChannel(w.AddSchema("std_msgs/msg/String", "ros2msg", "string data\n"u8), "/chatter", "cdr");
                for (var i = 0; i < 10; i++)
                    w.WriteMessage(ch, (uint)i, 1_000_000_000UL + (ulong)i, 1_000_000_000UL + (ulong)i - (i % 2 == 0 ? 1000UL : 0), [0, 1, 0, 0, 2, 0, 0, 0, (byte)('a' + i), 0]);
            }
            var (code, stdout, stderr) = CliRunner.Run("bag", "convert", mcap, Path.Combine(dir, "as_sqlite"), "--storage", "sqlite3");
            Assert.True(code == 0, stderr);
            Assert.Contains("note: sqlite3 has no publish_time column: 5 of 10 messages had a publish_time other than their log_time", stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}
