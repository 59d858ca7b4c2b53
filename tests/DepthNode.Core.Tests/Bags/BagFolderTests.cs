using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Sqlite;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Bags;

public class BagFolderTests
{
    private static string Rosbag2(params string[] parts) => SharedData.Path(["bags", "rosbag2", .. parts]);

    private static List<(string Topic, long Log, long Pub, byte[] Data)> ReadAll(string path)
    {
        using var bag = BagReader.Open(path);
        return bag.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, m.PublishTimeNs, m.Data.ToArray())).ToList();
    }

    [Fact]
    public void TalkerMcap_ZstdChunks_ReadsAllTwentyMessages()
    {
        using var bag = BagReader.Open(Rosbag2("rosbag2_py", "test", "resources", "mcap", "talker"));
        // metadata.yaml (version 4): 20 messages, /topic ×10 std_msgs/msg/String, /rosout ×10; README: zstd chunks.
        Assert.Equal("zstd", bag.Info.Compression);
        Assert.Equal(4, bag.Info.MetadataVersion);
        Assert.Equal(20, bag.ReadMessages().Count());
        var topic = bag.Info.Topics.Single(t => t.Topic.Name == "/topic");
        Assert.Equal(("std_msgs/msg/String", 10L), (topic.Topic.Type, topic.MessageCount));
        Assert.Equal(10, bag.ReadMessages(new BagReadOptions { Topics = ["/topic"] }).Count());
        // std_msgs/String carries one CDR string: encapsulation header 00 01 00 00, u32 length, text, NUL.
        foreach (var m in bag.ReadMessages(new BagReadOptions { Topics = ["/topic"] }))
        {
            var d = m.Data.Span;
            Assert.Equal([0, 1, 0, 0], d[..4].ToArray());
            var len = BitConverter.ToInt32(d[4..8]);
            Assert.Equal(0, d[8 + len - 1]);
        }
    }

    [Theory]
    [InlineData("rosbag2js/sample.db3", 1)]
    [InlineData("ros2bag_tools/images.bag/images.bag_0.db3", 2)]
    [InlineData("rosbag2/rosbag2_py/test/resources/sqlite3/talker/talker.db3", 4)]
    public void SqliteSchemaVersion_IsDetectedAsRosbag2Does(string relative, int version)
    {
        using var f = new SqliteBagFile(SharedData.Path(["bags", .. relative.Split('/')]));
        Assert.Equal(version, f.SchemaVersion);
    }

    [Fact]
    public void SqliteSchema1_TypeNamesWithoutMsg_AreNormalised_AndImageIs640x480Bgr8Sized()
    {
        using var bag = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3"));
        Assert.Equal("sqlite3", bag.Info.StorageId);
        Assert.Contains(bag.Info.Topics, t => t.Topic.Name == "/image" && t.Topic.Type == "sensor_msgs/msg/Image");
        Assert.Contains(bag.Info.Topics, t => t.Topic.Name == "/image/compressed" && t.Topic.Type == "sensor_msgs/msg/CompressedImage");
        var image = bag.ReadMessages(new BagReadOptions { Topics = ["/image"] }).Single();
        Assert.True(image.Data.Length >= 640 * 480 * 3, $"payload {image.Data.Length} bytes");
        Assert.Contains("bgr8", Encoding.ASCII.GetString(image.Data.Span[..64]));
    }

    [Fact]
    public void SqliteSchema4_MessageDefinitionsComeFromTheTable()
    {
        using var bag = BagReader.Open(Rosbag2("rosbag2_py", "test", "resources", "sqlite3", "talker"));
        var t = bag.Info.Topics.Single(x => x.Topic.Name == "/topic").Topic;
        Assert.Equal(("string data", "ros2msg"), (t.MessageDefinition, t.MessageDefinitionEncoding));
    }

    [Theory]
    [InlineData("mcap")]
    [InlineData("sqlite3")]
    public void WrongRmwBag_IsListed_ButRefusedForDecoding_NamingTheEncoding(string storage)
    {
        using var bag = BagReader.Open(Rosbag2("rosbag2_tests", "resources", storage, "wrong_rmw_test"));
        Assert.All(bag.Info.Topics, t => Assert.Equal("wrong_format", t.Topic.SerializationFormat));
        Assert.True(bag.ReadMessages().Any());
        var e = Assert.Throws<BagEncodingException>(() => bag.ReadMessages(new BagReadOptions { RequireCdr = true }).First());
        Assert.Contains("'wrong_format'", e.Message);
        Assert.Contains("wrong_rmw_test", e.Message);
    }

    [Theory]
    [InlineData("rosbag2_tests/resources/mcap/cdr_test")]
    [InlineData("rosbag2_tests/resources/sqlite3/cdr_test")]
    [InlineData("rosbag2_py/test/resources/mcap/convert_a")]
    [InlineData("rosbag2_tests/resources/sqlite3/bag_with_topics_and_service_events")]
    public void TopicAndTimeRange_SelectTheSameMessagesAsFilteringEverything(string relative)
    {
        var path = Rosbag2(relative.Split('/'));
        var all = ReadAll(path);
        var times = all.Select(m => m.Log).Distinct().Order().ToList();
        var from = times[times.Count / 4];
        var to = times[times.Count * 3 / 4];
        var topic = all[all.Count / 2].Topic;
        using var bag = BagReader.Open(path);
        var got = bag.ReadMessages(new BagReadOptions { Topics = [topic], StartTimeNs = from, EndTimeNs = to })
            .Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
        var expected = all.Where(m => m.Topic == topic && m.Log >= from && m.Log < to).Select(m => (m.Topic, m.Log, Convert.ToHexString(m.Data))).ToList();
        Assert.Equal(expected, got);
        Assert.NotEmpty(bag.ReadMessages(new BagReadOptions { StartTimeNs = from, EndTimeNs = to }));
        Assert.Empty(bag.ReadMessages(new BagReadOptions { Topics = ["/no/such/topic"] }));
    }

    [Fact]
    public void FolderWithTruncatedMcap_ReadsWhatIsThere_AndWarns()
    {
        var original = Rosbag2("rosbag2_py", "test", "resources", "mcap", "convert_a");
        var file = Directory.GetFiles(original, "*.mcap").Single();
        var bytes = File.ReadAllBytes(file);
        var dir = SyntheticBag.TempDir("truncated-folder");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "killed_0.mcap"), bytes.AsSpan(0, bytes.Length - 100).ToArray());
            var warnings = new List<string>();
            using var bag = BagReader.Open(dir, warnings.Add);
            // The last 100 bytes hold the summary and footer, not messages: everything is still there.
            Assert.Equal(ReadAll(original).Count, bag.ReadMessages().Count());
            Assert.Contains(bag.Warnings, w => w.StartsWith("killed_0.mcap: ", StringComparison.Ordinal));
            Assert.Equal(bag.Warnings, warnings);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("FILE")]
    [InlineData("MESSAGE")]
    public void ZstdCompressedBag_FileAndMessageModes_ReadBackTheOriginalPayloads(string mode)
    {
        var messages = SyntheticBag.Messages(60, seed: 8);
        var dir = SyntheticBag.TempDir("zstd-" + mode);
        try
        {
            using (var w = BagWriter.Create(dir, BagStorage.Sqlite3))
            using (var zstd = new ZstdSharp.Compressor(3))
            {
                foreach (var t in SyntheticBag.Topics) w.AddTopic(t);
                foreach (var m in messages) w.Write(m.Topic, m.LogTime, m.PublishTime, mode == "MESSAGE" ? zstd.Wrap(m.Data).ToArray() : m.Data);
            }
            var name = Path.GetFileName(dir) + "_0.db3";
            var md = BagMetadata.Load(Path.Combine(dir, "metadata.yaml")) with { CompressionFormat = "zstd", CompressionMode = mode };
            if (mode == "FILE")
            {
                // As rosbag2 does on split/close: the storage file becomes <name>.zstd, one zstd stream.
                using (var input = File.OpenRead(Path.Combine(dir, name)))
                using (var file = File.Create(Path.Combine(dir, name + ".zstd")))
                using (var output = new ZstdSharp.CompressionStream(file))
                    input.CopyTo(output);
                File.Delete(Path.Combine(dir, name));
                md = md with { RelativeFilePaths = [name + ".zstd"] };
            }
            File.WriteAllText(Path.Combine(dir, "metadata.yaml"), md.ToYaml(BagFormat.Jazzy));
            using var bag = BagReader.Open(dir);
            Assert.Equal("zstd", bag.Info.Compression);
            Assert.Equal(SyntheticBag.InLogTimeOrder(messages).Select(m => m.Data), bag.ReadMessages().Select(m => m.Data.ToArray()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EmptyBag_HasTopicsAndNoMessages()
    {
        using var bag = BagReader.Open(Rosbag2("ros2bag", "test", "resources", "empty_bag"));
        Assert.Equal(0, bag.Info.MessageCount);
        Assert.Equal(["/parameter_events", "/rosout"], bag.Info.Topics.Select(t => t.Topic.Name).Order());
        Assert.Empty(bag.ReadMessages());
    }

    [Theory]
    [InlineData("rosbag2_tests/resources/mcap/cdr_test")]
    [InlineData("rosbag2_tests/resources/sqlite3/cdr_test")]
    [InlineData("rosbag2_py/test/resources/mcap/talker")]
    public void FolderWithoutMetadataYaml_ReadsTheSameMessages(string relative)
    {
        var original = Rosbag2(relative.Split('/'));
        var dir = SyntheticBag.TempDir("no-metadata");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var f in Directory.GetFiles(original).Where(f => !f.EndsWith("metadata.yaml", StringComparison.Ordinal)))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var expected = ReadAll(original);
            var got = ReadAll(dir);
            Assert.Equal(expected.Count, got.Count);
            Assert.Equal(expected.Select(m => (m.Topic, m.Log, Convert.ToHexString(m.Data))), got.Select(m => (m.Topic, m.Log, Convert.ToHexString(m.Data))));
            using var bag = BagReader.Open(dir);
            Assert.Null(bag.Metadata);
            var md = BagMetadata.Load(Path.Combine(original, "metadata.yaml"));
            Assert.Equal(md.MessageCount, bag.Info.MessageCount);
            foreach (var t in md.Topics) Assert.Equal(t.MessageCount, bag.Info.Topics.Single(x => x.Topic.Name == t.Topic.Name).MessageCount);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(BagStorage.Mcap, true)]
    [InlineData(BagStorage.Mcap, false)]
    [InlineData(BagStorage.Sqlite3, true)]
    public void SplitBag_FilesAreMergedInLogTimeOrder(BagStorage storage, bool withMetadata)
    {
        var messages = SyntheticBag.Messages(200, seed: 31);
        var dir = SyntheticBag.TempDir("split");
        Directory.CreateDirectory(dir);
        try
        {
            var ext = storage == BagStorage.Mcap ? "mcap" : "db3";
            var files = new List<BagFileInfo>();
            for (var part = 0; part < 2; part++)
            {
                var partDir = Path.Combine(dir, $"part{part}");
                using (var w = BagWriter.Create(partDir, storage))
                {
                    foreach (var t in SyntheticBag.Topics) w.AddTopic(t);
                    foreach (var m in messages.Where((_, i) => i % 2 == part)) w.Write(m.Topic, m.LogTime, m.PublishTime, m.Data);
                }
                File.Move(Path.Combine(partDir, $"part{part}_0.{ext}"), Path.Combine(dir, $"split_{part}.{ext}"));
                Directory.Delete(partDir, true);
            }
            if (withMetadata)
            {
                var md = new BagMetadata
                {
                    StorageIdentifier = storage == BagStorage.Mcap ? "mcap" : "sqlite3",
                    MessageCount = messages.Count,
                    RelativeFilePaths = [$"split_0.{ext}", $"split_1.{ext}"],
                    Topics = SyntheticBag.Topics.Select(t => new TopicSummary(t, messages.Count(m => m.Topic == t.Name))).ToList(),
                };
                File.WriteAllText(Path.Combine(dir, "metadata.yaml"), md.ToYaml(BagFormat.Jazzy));
            }
            using var bag = BagReader.Open(dir);
            Assert.Equal(2, bag.Info.Files.Count);
            var got = bag.ReadMessages().Select(m => (m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
            var expected = messages.OrderBy(m => m.LogTime).Select(m => (m.LogTime, Convert.ToHexString(m.Data))).ToList();
            Assert.Equal(expected.Select(e => e.LogTime), got.Select(g => g.LogTimeNs));
            Assert.Equal(expected.OrderBy(e => e.Item2, StringComparer.Ordinal), got.OrderBy(g => g.Item2, StringComparer.Ordinal).Select(g => (g.LogTimeNs, g.Item2)));
            Assert.Equal(messages.Count, bag.Info.MessageCount);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(BagStorage.Mcap)]
    [InlineData(BagStorage.Sqlite3)]
    public void EmptyAndShrinkingPayloads_RoundTripExactly(BagStorage storage)
    {
        byte[][] payloads = [new byte[5000], [], [1, 2, 3], new byte[70], []];
        payloads[0][4999] = 9;
        var dir = SyntheticBag.TempDir("payloads");
        try
        {
            using (var w = BagWriter.Create(dir, storage))
            {
                w.AddTopic(SyntheticBag.Chatter);
                for (var i = 0; i < payloads.Length; i++) w.Write(SyntheticBag.Chatter.Name, 1000 + i, 1000 + i, payloads[i]);
            }
            Assert.Equal(payloads, ReadAll(dir).Select(m => m.Data));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MetadataVersion9_IsWritten_WithQosAsListOfEnumNames_AndReadsBack()
    {
        var v4 = BagMetadata.Load(Rosbag2("rosbag2_py", "test", "resources", "mcap", "talker", "metadata.yaml"));
        var yaml = (v4 with { RosDistro = "jazzy" }).ToYaml(BagFormat.Jazzy);
        var v9 = BagMetadata.Parse(yaml);
        Assert.Equal(9, v9.Version);
        Assert.Equal(v4.MessageCount, v9.MessageCount);
        Assert.Equal(v4.StartingTimeNs, v9.StartingTimeNs);
        Assert.Equal(v4.DurationNs, v9.DurationNs);
        Assert.Equal("jazzy", v9.RosDistro);
        // rmw enums (B1): history 3 = unknown, reliability 1 = reliable, durability 2 = volatile, liveliness 1 = automatic.
        var qos = v9.Topics.Single(t => t.Topic.Name == "/topic").Topic.OfferedQosProfiles;
        Assert.Contains("- history: unknown\n", qos);
        Assert.Contains("\n  reliability: reliable\n", qos);
        Assert.Contains("\n  durability: volatile\n", qos);
        Assert.Contains("\n  liveliness: automatic\n", qos);
        Assert.Contains("\n  lifespan:\n    sec: 0\n    nsec: 0\n", qos);
        Assert.Contains("      offered_qos_profiles:\n          - history: unknown\n", yaml.Replace("        offered", "      offered"));
    }

    public static TheoryData<string, McapCompression> ConvertCases()
    {
        var data = new TheoryData<string, McapCompression>();
        foreach (var bag in new[] { "rosbag2/rosbag2_py/test/resources/mcap/talker", "rosbag2/rosbag2_tests/resources/mcap/cdr_test",
                     "rosbag2/rosbag2_py/test/resources/sqlite3/convert_a", "rosbag2/rosbag2_py/test/resources/mcap/convert_b",
                     "rosbag2/rosbag2_transport/test/resources/mcap/test_bag_for_seek", "rosbag2/rosbag2_tests/resources/sqlite3/bag_with_topics_and_service_events",
                     "ros2bag_tools/images.bag", "rosbag2js/sample.db3" })
            foreach (var c in new[] { McapCompression.None, McapCompression.Zstd, McapCompression.Lz4 })
                data.Add(bag, c);
        return data;
    }

    [Theory]
    [MemberData(nameof(ConvertCases))]
    public void Convert_McapToSqliteAndBack_MessagesByteIdentical_TopicsPreserved(string relative, McapCompression compression)
    {
        var source = SharedData.Path(["bags", .. relative.Split('/')]);
        var dir = SyntheticBag.TempDir("convert");
        try
        {
            var expected = ReadAll(source);
            using var original = BagReader.Open(source);
            var mcap = Path.Combine(dir, "a");
            var sqlite = Path.Combine(dir, "b");
            var back = Path.Combine(dir, "c");
            BagConverter.Convert(original, mcap, BagStorage.Mcap, compression);
            using (var a = BagReader.Open(mcap)) BagConverter.Convert(a, sqlite, BagStorage.Sqlite3);
            using (var b = BagReader.Open(sqlite)) BagConverter.Convert(b, back, BagStorage.Mcap, compression);
            foreach (var step in new[] { mcap, sqlite, back })
            {
                var got = ReadAll(step);
                Assert.Equal(expected.Count, got.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Topic, got[i].Topic);
                    Assert.Equal(expected[i].Log, got[i].Log);
                    Assert.Equal(expected[i].Data, got[i].Data);
                }
                using var bag = BagReader.Open(step);
                Assert.Equal(original.Info.MessageCount, bag.Info.MessageCount);
                foreach (var t in original.Info.Topics)
                {
                    var c = bag.Info.Topics.Single(x => x.Topic.Name == t.Topic.Name);
                    Assert.Equal(t.MessageCount, c.MessageCount);
                    Assert.Equal(t.Topic.Type, c.Topic.Type);
                    Assert.Equal(t.Topic.SerializationFormat, c.Topic.SerializationFormat);
                    Assert.Equal(t.Topic.OfferedQosProfiles, c.Topic.OfferedQosProfiles);
                    Assert.Equal(t.Topic.TypeDescriptionHash, c.Topic.TypeDescriptionHash);
                    Assert.Equal(t.Topic.MessageDefinition, c.Topic.MessageDefinition);
                }
            }
            // MCAP keeps publish times; the first MCAP copy of an MCAP source keeps them exactly.
            if (original.Info.StorageId == "mcap") Assert.Equal(expected.Select(m => m.Pub), ReadAll(mcap).Select(m => m.Pub));
            using (var m = BagReader.Open(mcap))
                Assert.Equal(compression switch { McapCompression.Zstd => "zstd", McapCompression.Lz4 => "lz4", _ => "" }, m.Info.Compression);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
