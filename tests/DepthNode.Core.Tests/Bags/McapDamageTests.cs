using System.Buffers.Binary;
using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Bags;

/// <summary>
/// Files damaged in the middle, written by our McapWriter from real payloads (the messages of rosbag2's own test
/// bags and 7-Scenes JPEG frames): a bad CRC, a garbage length or opcode, a cut inside a compressed chunk. Reading
/// skips what is damaged, says so, and returns every other message: compared message by message (topic, times,
/// sequence, bytes) with what was written. Which messages sit in which chunk comes from walking the file's framing
/// here, not from the reader.
/// </summary>
public class McapDamageTests
{
    private sealed record Msg(string Topic, ulong LogTime, ulong PublishTime, uint Sequence, byte[] Data);

    /// <summary>A chunk record: its file span, its messages (indexes into the written list) and their channels.</summary>
    private sealed record ChunkSpan(long Offset, long End, int FirstMessage, int Count, HashSet<ushort> Channels);

    private static readonly Lazy<List<(TopicInfo Topic, byte[] Data)>> Payloads = new(() =>
    {
        var list = new List<(TopicInfo, byte[])>();
        foreach (var bag in new[] { SharedData.Path("bags", "rosbag2", "rosbag2_py", "test", "resources", "sqlite3", "talker"), SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "sqlite3", "cdr_test") })
        {
            using var r = BagReader.Open(bag);
            list.AddRange(r.ReadMessages().Select(m => (m.Topic, m.Data.ToArray())));
        }
        var jpeg = new TopicInfo("/camera/image/compressed", "sensor_msgs/msg/CompressedImage");
        foreach (var f in Directory.GetFiles(SharedData.Path("data", "7scenes_redkitchen"), "frame-*.color.jpg").Order(StringComparer.Ordinal).Take(100))
            list.Add((jpeg, File.ReadAllBytes(f)));
        return list;
    });

    /// <summary>
    /// <paramref name="count"/> messages, log times increasing: by default every 10th a JPEG frame (each a different
    /// one, so a compressor cannot shrink the recording to its first cycle) and the others the small real messages;
    /// <paramref name="pick"/> chooses payload indexes instead.
    /// </summary>
    private static (byte[] File, List<Msg> Messages) Write(int count, McapWriterOptions options, Func<int, int>? pick = null)
    {
        var payloads = Payloads.Value;
        var ms = new MemoryStream();
        var messages = new List<Msg>();
        using (var w = new McapWriter(ms, options, leaveOpen: true))
        {
            var ids = new Dictionary<string, ushort>();
            foreach (var t in payloads.Select(p => p.Topic).DistinctBy(t => t.Name))
                ids[t.Name] = w.AddChannel(w.AddSchema(t.Type, "ros2msg", Encoding.UTF8.GetBytes(t.MessageDefinition)), t.Name, "cdr");
            for (var i = 0; i < count; i++)
            {
                var (topic, data) = payloads[(pick ?? DefaultPick)(i) % payloads.Count];
                var m = new Msg(topic.Name, 1_700_000_000_000_000_000UL + (ulong)i * 1_000_000, 1_700_000_000_000_000_000UL + (ulong)i * 1_000_000 - 17, (uint)i, data);
                w.WriteMessage(ids[topic.Name], m.Sequence, m.LogTime, m.PublishTime, m.Data);
                messages.Add(m);
            }
        }
        return (ms.ToArray(), messages);
    }

    private static int SmallCount => Payloads.Value.Count(p => p.Topic.Name != "/camera/image/compressed");

    private static int DefaultPick(int i) => i % 10 == 0 ? SmallCount + i / 10 % (Payloads.Value.Count - SmallCount) : i % SmallCount;

    /// <summary>Spec framing only: each Chunk record and how many messages the MessageIndex records after it list.</summary>
    private static List<ChunkSpan> Chunks(byte[] file)
    {
        var chunks = new List<ChunkSpan>();
        var message = 0;
        for (long pos = 8; pos + 9 <= file.Length - 8;)
        {
            var op = file[pos];
            var end = pos + 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)pos + 1));
            if (op == 0x06)
            {
                var (count, channels, q) = (0, new HashSet<ushort>(), end);
                while (file[q] == 0x07)
                {
                    channels.Add(BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)q + 9)));
                    count += (int)(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)q + 11)) / 16);
                    q += 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)q + 1));
                }
                chunks.Add(new ChunkSpan(pos, end, message, count, channels));
                message += count;
            }
            if (op == 0x0F) break;
            pos = end;
        }
        return chunks;
    }

    private static List<Msg> Read(byte[] file, McapReaderOptions? options, out McapReader reader, McapMessageFilter? filter = null)
    {
        reader = new McapReader(new MemoryStream(file, writable: false), "damaged.mcap", options);
        return reader.ReadMessages(filter).Select(m => new Msg(m.Channel.Topic, m.LogTime, m.PublishTime, m.Sequence, m.Data.ToArray())).ToList();
    }

    private static void AssertSame(IReadOnlyList<Msg> expected, IReadOnlyList<Msg> got)
    {
        Assert.Equal(expected.Count, got.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Topic, expected[i].LogTime, expected[i].PublishTime, expected[i].Sequence), (got[i].Topic, got[i].LogTime, got[i].PublishTime, got[i].Sequence));
            Assert.True(expected[i].Data.AsSpan().SequenceEqual(got[i].Data), $"message {i}: bytes differ");
        }
    }

    /// <summary>
    /// Every message outside <paramref name="lost"/> is read, in order, byte for byte; of those inside, only intact
    /// ones may appear (a scan can find records that a damaged chunk stored verbatim, e.g. in a raw zstd block).
    /// </summary>
    private static void AssertKeepsAllBut(List<Msg> written, ChunkSpan lost, IReadOnlyList<Msg> got)
    {
        var inLost = new HashSet<uint>(Enumerable.Range(lost.FirstMessage, lost.Count).Select(i => (uint)i));
        var bySequence = got.ToDictionary(m => m.Sequence);
        Assert.Equal(got.Count, bySequence.Count);
        Assert.Equal(got.Select(m => m.Sequence).Order(), got.Select(m => m.Sequence));
        foreach (var m in got) AssertSame([written[(int)m.Sequence]], [m]);
        var missing = written.Where(m => !inLost.Contains(m.Sequence) && !bySequence.ContainsKey(m.Sequence)).Select(m => m.Sequence).ToList();
        Assert.True(missing.Count == 0, $"intact messages not read: {string.Join(",", missing.Take(10))}");
    }

    private static readonly McapReaderOptions Linear = new() { ForceLinearScan = true };

    [Theory]
    [InlineData(McapCompression.Zstd)]
    [InlineData(McapCompression.Lz4)]
    public void CutInsideA1000MessageChunk_KeepsTheCompleteMessagesBeforeTheCut(McapCompression compression)
    {
        // One chunk for the whole recording: what a recorder killed after a few seconds leaves behind.
        var (file, messages) = Write(1000, new McapWriterOptions { Compression = compression, ChunkSize = 64 << 20 });
        var chunk = Chunks(file).Single();
        Assert.Equal(1000, chunk.Count);
        var compLen = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)chunk.Offset + 9 + 28));
        var recordsStart = chunk.Offset + 9 + 40 + compLen;
        var cut = recordsStart + (chunk.End - recordsStart) * 3 / 5;
        var readable = McapTruncationTests.ReadableInCutChunk(file, new McapTruncationTests.CompressedChunk(recordsStart, chunk.End, compression.ToString().ToLowerInvariant(), 0, 1000), cut);
        Assert.True(readable > 300, $"the reference decompressor finds only {readable} whole messages before the cut");
        var got = Read(file[..(int)cut], null, out var reader);
        Assert.True(readable == got.Count, $"{got.Count} read, {readable} expected: " + string.Join(" / ", reader.Warnings));
        AssertSame(messages.Take(readable).ToList(), got);
        Assert.Contains(reader.Warnings, w => w.StartsWith("damaged.mcap: truncated at offset " + chunk.Offset, StringComparison.Ordinal));
        reader.Dispose();

        var dir = SyntheticBag.TempDir("cut-recover");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "cut.mcap"), file[..(int)cut]);
            var result = McapRecovery.Recover(Path.Combine(dir, "cut.mcap"), Path.Combine(dir, "fixed.mcap"), McapCompression.Zstd);
            Assert.Equal(readable, result.Messages);
            AssertSame(messages.Take(readable).ToList(), Read(File.ReadAllBytes(Path.Combine(dir, "fixed.mcap")), null, out var fixedReader));
            Assert.Empty(fixedReader.Warnings);
            fixedReader.Dispose();
        }
        finally { Directory.Delete(dir, true); }
    }

    public static TheoryData<McapCompression, bool> Layouts => new() { { McapCompression.None, true }, { McapCompression.Zstd, true }, { McapCompression.None, false }, { McapCompression.Zstd, false } };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void BadCrcInOneChunk_OnlyThatChunksMessagesAreLost(McapCompression compression, bool summary)
    {
        var (file, messages) = Write(300, new McapWriterOptions { Compression = compression, ChunkSize = 16 << 10, WriteSummary = summary });
        var chunks = Chunks(file);
        Assert.True(chunks.Count > 4);
        var victim = chunks[chunks.Count / 2];
        // The stored CRC itself is damaged: the records are intact but cannot be trusted any more.
        file[victim.Offset + 9 + 24] ^= 0x5A;
        var expected = messages.Where((_, i) => i < victim.FirstMessage || i >= victim.FirstMessage + victim.Count).ToList();
        foreach (var options in new[] { null, Linear })
        {
            var got = Read(file, options, out var reader);
            AssertSame(expected, got);
            Assert.Equal(1, reader.DamagedRecords);
            Assert.Equal(victim.Count, reader.LostMessages);
            Assert.Contains(reader.Warnings, w => w.StartsWith($"damaged.mcap: damaged", StringComparison.Ordinal) && w.Contains($"offset {victim.Offset}") && w.Contains("uncompressed_crc"));
            reader.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void GarbageChunkLength_TheChunkIsReadFromItsRecordsLength(McapCompression compression, bool summary)
    {
        var (file, messages) = Write(300, new McapWriterOptions { Compression = compression, ChunkSize = 16 << 10, WriteSummary = summary });
        var chunks = Chunks(file);
        var victim = chunks[chunks.Count / 3];
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan((int)victim.Offset + 1), 0x00FF_FFFF_FFFF_0000UL);
        foreach (var options in new[] { null, Linear })
        {
            var got = Read(file, options, out var reader);
            AssertSame(messages, got);
            Assert.Contains(reader.Warnings, w => w.StartsWith($"damaged.mcap: damaged Chunk.length at offset {victim.Offset}", StringComparison.Ordinal));
            reader.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void GarbageOpcode_ReadingGoesOnAtTheNextValidRecord(McapCompression compression, bool summary)
    {
        var (file, messages) = Write(300, new McapWriterOptions { Compression = compression, ChunkSize = 16 << 10, WriteSummary = summary });
        var chunks = Chunks(file);
        var victim = chunks[chunks.Count / 2];
        file[victim.Offset] = 0x00;
        foreach (var options in new[] { null, Linear })
        {
            var got = Read(file, options, out var reader);
            AssertKeepsAllBut(messages, victim, got);
            // An uncompressed chunk's messages are whole records in the file: a scan finds them one by one.
            if (compression == McapCompression.None && (options is not null || !summary)) Assert.Equal(messages.Count, got.Count);
            Assert.True(reader.DamagedRecords >= 1);
            Assert.Contains(reader.Warnings, w => w.StartsWith("damaged.mcap: damaged", StringComparison.Ordinal) && w.Contains($"offset {victim.Offset}"));
            reader.Dispose();
        }
    }

    [Fact]
    public void GarbageMessageLength_InAFileThatIsAlsoCutOff_OnlyThatMessageAndTheCutAreLost()
    {
        var (file, messages) = Write(200, new McapWriterOptions { UseChunks = false, WriteSummary = false });
        var ends = new List<long>();
        for (long pos = 8; file[pos] != 0x0F; pos += 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)pos + 1)))
            if (file[pos] == 0x05) ends.Add(pos + 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)pos + 1)));
        Assert.Equal(200, ends.Count);
        var victimStart = ends[49]; // message 50's record starts where message 49's ends
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan((int)victimStart + 1), 0x0000_7FFF_FFFF_FFFFUL);
        var cut = (ends[180] + ends[181]) / 2;
        var got = Read(file[..(int)cut], null, out var reader);
        AssertSame(messages.Where((_, i) => i != 50 && ends[i] <= cut).ToList(), got);
        Assert.Contains(reader.Warnings, w => w.StartsWith($"damaged.mcap: damaged data at offset {victimStart}", StringComparison.Ordinal));
        Assert.Contains(reader.Warnings, w => w.Contains("truncated at offset"));
        reader.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DamageInAChunkWithoutTheTopic_TheTopicIsReadWhole(bool summary)
    {
        // Topics recorded in turns (as a camera burst then a log burst), so chunks hold one topic each.
        var payloads = Payloads.Value;
        var jpegs = Enumerable.Range(0, payloads.Count).Where(i => payloads[i].Topic.Name == "/camera/image/compressed").ToList();
        var others = Enumerable.Range(0, payloads.Count).Where(i => payloads[i].Topic.Name != "/camera/image/compressed").ToList();
        var (file, messages) = Write(240, new McapWriterOptions { Compression = McapCompression.Zstd, ChunkSize = 4 << 10, WriteSummary = summary },
            i => i / 40 % 2 == 0 ? jpegs[i % jpegs.Count] : others[i % others.Count]);
        var chunks = Chunks(file);
        var jpegChannel = (ushort)(payloads.Select(p => p.Topic.Name).Distinct().ToList().IndexOf("/camera/image/compressed"));
        var victim = chunks.First(c => !c.Channels.Contains(jpegChannel) && c.Count > 0);
        file[victim.Offset + 9 + 24] ^= 0x01; // its CRC
        var filter = new McapMessageFilter { Channels = c => c.Topic == "/camera/image/compressed" };
        var got = Read(file, null, out var reader, filter);
        AssertSame(messages.Where(m => m.Topic == "/camera/image/compressed").ToList(), got);
        // With an index the damaged chunk is never even opened; without one it must be passed over.
        Assert.Equal(summary ? 0 : 1, reader.DamagedRecords);
        reader.Dispose();
    }

    [Fact]
    public void Recover_KeepsTopicsThatNeverGotAMessage()
    {
        var source = SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "mcap", "bag_with_topics_and_service_events", "bag_with_topics_and_service_events.mcap");
        var dir = SyntheticBag.TempDir("recover-empty-topics");
        Directory.CreateDirectory(dir);
        try
        {
            var output = Path.Combine(dir, "fixed.mcap");
            McapRecovery.Recover(source, output, McapCompression.Zstd);
            using var original = McapReader.Open(source);
            using var recovered = McapReader.Open(output);
            // The reference: @mcap/core's view of the original file.
            var js = McapReference.Run("check", source);
            var expected = js.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("topic").GetString()!).Order(StringComparer.Ordinal).ToList();
            Assert.Contains(expected, t => (long)original.Statistics!.ChannelMessageCounts.GetValueOrDefault(original.Channels.Values.Single(c => c.Topic == t).Id) == 0);
            Assert.Equal(expected, recovered.Channels.Values.Select(c => c.Topic).Order(StringComparer.Ordinal));
            foreach (var c in recovered.Channels.Values)
            {
                var o = original.Channels.Values.Single(x => x.Topic == c.Topic);
                Assert.Equal(original.Schemas[o.SchemaId].Name, recovered.Schemas[c.SchemaId].Name);
                Assert.Equal(original.Schemas[o.SchemaId].Data, recovered.Schemas[c.SchemaId].Data);
                Assert.Equal(o.Metadata, c.Metadata);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
