using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;

namespace DepthNode.Core.Tests.Bags;

public class McapWriterReaderTests
{
    private static string WriteFile(string dir, List<SyntheticMessage> messages, McapWriterOptions options)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "test.mcap");
        using var w = McapWriter.Create(path, options);
        var channels = new Dictionary<string, ushort>();
        foreach (var t in SyntheticBag.Topics)
        {
            var schema = w.AddSchema(t.Type, t.MessageDefinitionEncoding, Encoding.UTF8.GetBytes(t.MessageDefinition));
            channels[t.Name] = w.AddChannel(schema, t.Name, "cdr", new Dictionary<string, string> { ["offered_qos_profiles"] = t.OfferedQosProfiles });
        }
        foreach (var m in messages) w.WriteMessage(channels[m.Topic], 7, (ulong)m.LogTime, (ulong)m.PublishTime, m.Data);
        w.WriteMetadata("rosbag2", new Dictionary<string, string> { ["ROS_DISTRO"] = "jazzy" });
        return path;
    }

    public static TheoryData<bool, McapCompression> Layouts() => new()
    {
        { true, McapCompression.None }, { true, McapCompression.Zstd }, { true, McapCompression.Lz4 }, { false, McapCompression.None },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void WrittenFile_ReadsBackIndexed_InLogTimeOrder_ByteIdentical(bool chunked, McapCompression compression)
    {
        var messages = SyntheticBag.Messages(400, seed: 11);
        var dir = SyntheticBag.TempDir("mcap-rt");
        try
        {
            var path = WriteFile(dir, messages, new McapWriterOptions { UseChunks = chunked, Compression = compression, ChunkSize = 64 * 1024 });
            using var r = McapReader.Open(path);
            Assert.True(r.HasSummary);
            Assert.Equal("ros2", r.Header.Profile);
            Assert.Equal((ulong)messages.Count, r.Statistics!.MessageCount);
            Assert.Equal(chunked ? 1 : 0, Math.Sign(r.ChunkIndexes.Count));
            var expected = SyntheticBag.InLogTimeOrder(messages);
            var got = r.ReadMessages().Select(m => new SyntheticMessage(m.Channel.Topic, (long)m.LogTime, (long)m.PublishTime, m.Data.ToArray())).ToList();
            Assert.Equal(expected.Count, got.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Topic, got[i].Topic);
                Assert.Equal(expected[i].LogTime, got[i].LogTime);
                Assert.Equal(expected[i].PublishTime, got[i].PublishTime);
                Assert.Equal(expected[i].Data, got[i].Data);
            }
            Assert.Equal("jazzy", r.ReadMetadata().Single(m => m.Name == "rosbag2").Values["ROS_DISTRO"]);
            Assert.Empty(r.Warnings);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void WrittenFile_IsAcceptedByReferenceImplementation_McapCore(bool chunked, McapCompression compression)
    {
        var messages = SyntheticBag.Messages(300, seed: 5);
        var dir = SyntheticBag.TempDir("mcap-ref");
        try
        {
            var path = WriteFile(dir, messages, new McapWriterOptions { UseChunks = chunked, Compression = compression, ChunkSize = 32 * 1024 });
            var js = McapReference.Run("check", path);
            Assert.Equal("ros2", js.GetProperty("profile").GetString());
            // The indexed reader reads messages through chunk indexes only; an unchunked file has none.
            Assert.Equal(chunked ? messages.Count : 0, js.GetProperty("indexedMessages").GetInt32());
            Assert.True(js.GetProperty("streamDone").GetBoolean());
            Assert.Equal(messages.Count, js.GetProperty("streamRecords").GetProperty("Message").GetInt32());
            var crc = js.GetProperty("dataSectionCrc");
            Assert.NotEqual(0u, crc.GetProperty("stored").GetUInt32());
            Assert.Equal(crc.GetProperty("stored").GetUInt32(), crc.GetProperty("computed").GetUInt32());
            Assert.Equal(messages.Count.ToString(), js.GetProperty("statistics").GetProperty("messageCount").GetString());
            foreach (var t in chunked ? new[] { SyntheticBag.Image, SyntheticBag.Chatter } : [])
                Assert.Equal(messages.Count(m => m.Topic == t.Name), js.GetProperty("perTopic").GetProperty(t.Name).GetInt32());
            if (chunked)
            {
                // The reference reads through our chunk indexes and message indexes in log-time order.
                Assert.True(js.GetProperty("indexedOrdered").GetBoolean());
                Assert.Equal(SyntheticBag.Sha256(SyntheticBag.InLogTimeOrder(messages).Select(m => m.Data)), js.GetProperty("dataSha256").GetString());
                var compressions = js.GetProperty("compressions").EnumerateArray().Select(e => e.GetString()).ToList();
                Assert.Equal([compression switch { McapCompression.Zstd => "zstd", McapCompression.Lz4 => "lz4", _ => "" }], compressions);
            }
            var schemas = js.GetProperty("schemas").EnumerateArray().ToList();
            Assert.Equal(SyntheticBag.Topics.Count, schemas.Count);
            foreach (var t in SyntheticBag.Topics)
            {
                var s = schemas.Single(x => x.GetProperty("name").GetString() == t.Type);
                Assert.Equal("ros2msg", s.GetProperty("encoding").GetString());
                Assert.Equal(t.MessageDefinition, s.GetProperty("data").GetString());
                var c = js.GetProperty("channels").EnumerateArray().Single(x => x.GetProperty("topic").GetString() == t.Name);
                Assert.Equal("cdr", c.GetProperty("messageEncoding").GetString());
                Assert.Equal(t.OfferedQosProfiles, c.GetProperty("metadata").GetProperty("offered_qos_profiles").GetString());
            }
            Assert.Equal("rosbag2", js.GetProperty("metadata")[0].GetProperty("name").GetString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(true, McapCompression.Zstd)]
    [InlineData(true, McapCompression.None)]
    [InlineData(false, McapCompression.None)]
    public void IndexlessFile_OutOfOrderArrivals_AreStillReadInLogTimeOrder(bool chunked, McapCompression compression)
    {
        var messages = SyntheticBag.Messages(300, seed: 17);
        var dir = SyntheticBag.TempDir("mcap-noindex");
        try
        {
            var path = WriteFile(dir, messages, new McapWriterOptions { UseChunks = chunked, Compression = compression, ChunkSize = 8 * 1024, WriteSummary = false });
            using var r = McapReader.Open(path);
            Assert.False(r.HasSummary);
            Assert.Equal(SyntheticBag.InLogTimeOrder(messages).Select(m => m.Data), r.ReadMessages().Select(m => m.Data.ToArray()));
            Assert.Empty(r.Warnings);
            // A scan that must keep file order (what `bag recover` uses) says the order is not log-time order.
            using var scan = McapReader.Open(path, new McapReaderOptions { ForceLinearScan = true });
            Assert.Equal(messages.Select(m => m.Data).ToHashSet(ByteArrayComparer), scan.ReadMessages().Select(m => m.Data.ToArray()).ToHashSet(ByteArrayComparer));
            Assert.Contains(scan.Warnings, w => w.Contains("log time goes backwards"));
            // Filters apply in the merged path too.
            var only = r.ReadMessages(new McapMessageFilter { Channels = c => c.Topic == SyntheticBag.Image.Name }).Select(m => m.Data.ToArray()).ToList();
            Assert.Equal(SyntheticBag.InLogTimeOrder(messages).Where(m => m.Topic == SyntheticBag.Image.Name).Select(m => m.Data), only);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static readonly IEqualityComparer<byte[]> ByteArrayComparer = EqualityComparer<byte[]>.Create(
        (a, b) => a.AsSpan().SequenceEqual(b), a => HashCode.Combine(a.Length, a.Length >= 12 ? BitConverter.ToInt64(a, 4) : 0));

    [Fact]
    public void CorruptChunk_IsReportedAsCrcMismatch_WithOffset()
    {
        var messages = SyntheticBag.Messages(50, seed: 3);
        var dir = SyntheticBag.TempDir("mcap-crc");
        try
        {
            var path = WriteFile(dir, messages, new McapWriterOptions { ChunkSize = 1 << 20 });
            long chunkOffset;
            using (var r = McapReader.Open(path)) chunkOffset = (long)r.ChunkIndexes[0].ChunkStartOffset;
            var bytes = File.ReadAllBytes(path);
            bytes[chunkOffset + 200] ^= 0x40; // inside the first chunk's records
            File.WriteAllBytes(path, bytes);
            using var bad = McapReader.Open(path, new McapReaderOptions { SkipDamage = false });
            var e = Assert.Throws<McapException>(() => bad.ReadMessages().Count());
            Assert.Equal(McapErrorKind.CrcMismatch, e.Kind);
            Assert.Equal("test.mcap", e.File);
            Assert.Contains("uncompressed_crc", e.Message);
            Assert.Contains("test.mcap", e.Message);
            // By default the damaged chunk is skipped and reported in the same terms.
            using var skipping = McapReader.Open(path);
            _ = skipping.ReadMessages().Count();
            Assert.Equal(1, skipping.DamagedRecords);
            Assert.Contains(skipping.Warnings, w => w.StartsWith("test.mcap: damaged Chunk at offset " + chunkOffset, StringComparison.Ordinal) && w.Contains("uncompressed_crc"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TopicAndTimeFilter_SelectExactlyTheMatchingMessages()
    {
        var messages = SyntheticBag.Messages(300, seed: 9);
        var dir = SyntheticBag.TempDir("mcap-filter");
        try
        {
            var path = WriteFile(dir, messages, new McapWriterOptions { ChunkSize = 16 * 1024, Compression = McapCompression.Zstd });
            var ordered = SyntheticBag.InLogTimeOrder(messages);
            var from = ordered[50].LogTime;
            var to = ordered[200].LogTime;
            var expected = ordered.Where(m => m.Topic == SyntheticBag.Chatter.Name && m.LogTime >= from && m.LogTime < to).ToList();
            using var r = McapReader.Open(path);
            var got = r.ReadMessages(new McapMessageFilter { Channels = c => c.Topic == SyntheticBag.Chatter.Name, StartTime = (ulong)from, EndTime = (ulong)to })
                .Select(m => m.Data.ToArray()).ToList();
            Assert.Equal(expected.Select(m => m.Data), got);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void NotAnMcapFile_IsRefusedWithOffsetZero()
    {
        var e = Assert.Throws<McapException>(() => new McapReader(new MemoryStream(Encoding.ASCII.GetBytes("SQLite format 3\0 and more bytes")), "x.mcap"));
        Assert.Equal(McapErrorKind.Invalid, e.Kind);
        Assert.Equal(0, e.Offset);
        Assert.StartsWith("x.mcap: invalid", e.Message);
    }
}

public class BagWriterReferenceTests
{
    [Theory]
    [InlineData(McapCompression.Zstd, BagFormat.Jazzy)]
    [InlineData(McapCompression.Lz4, BagFormat.Jazzy)]
    [InlineData(McapCompression.Zstd, BagFormat.Humble)]
    public void BagFolderWrittenLikeRos2BagRecord_IsReadByMcapCore(McapCompression compression, BagFormat format)
    {
        var source = DepthNode.Tests.SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "sqlite3", "cdr_test");
        var dir = SyntheticBag.TempDir("bagwriter-ref");
        try
        {
            using (var input = BagReader.Open(source)) BagConverter.Convert(input, dir, BagStorage.Mcap, compression, new BagWriterOptions { Format = format });
            var file = Path.Combine(dir, Path.GetFileName(dir) + "_0.mcap");
            var js = McapReference.Run("check", file);
            using var original = BagReader.Open(source);
            Assert.Equal("ros2", js.GetProperty("profile").GetString());
            Assert.Equal(original.Info.MessageCount, js.GetProperty("indexedMessages").GetInt32());
            foreach (var t in original.Info.Topics)
            {
                var c = js.GetProperty("channels").EnumerateArray().Single(x => x.GetProperty("topic").GetString() == t.Topic.Name);
                Assert.Equal("cdr", c.GetProperty("messageEncoding").GetString());
                Assert.Equal(t.Topic.OfferedQosProfiles, c.GetProperty("metadata").GetProperty("offered_qos_profiles").GetString());
                var s = js.GetProperty("schemas").EnumerateArray().Single(x => x.GetProperty("id").GetInt32() == c.GetProperty("schemaId").GetInt32());
                Assert.Equal(t.Topic.Type, s.GetProperty("name").GetString());
                Assert.Equal(t.Topic.MessageDefinition, s.GetProperty("data").GetString());
                Assert.Equal(t.MessageCount, js.GetProperty("perTopic").GetProperty(t.Topic.Name).GetInt32());
            }
            var record = js.GetProperty("metadata").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "rosbag2");
            if (format == BagFormat.Humble)
            {
                // Humble's plugin names the distro only; its metadata.yaml is version 5.
                Assert.Equal("humble", record.GetProperty("metadata").GetProperty("ROS_DISTRO").GetString());
                Assert.Equal(5, BagMetadata.Load(Path.Combine(dir, "metadata.yaml")).Version);
                return;
            }
            // Iron and later: the rosbag2 metadata record carries the same document as metadata.yaml.
            var yaml = record.GetProperty("metadata").GetProperty("serialized_metadata").GetString()!;
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "metadata.yaml")), yaml);
            var md = BagMetadata.Parse(yaml);
            Assert.Equal((9, "mcap", original.Info.MessageCount), (md.Version, md.StorageIdentifier, md.MessageCount));
            Assert.Equal([Path.GetFileName(file)], md.RelativeFilePaths);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
