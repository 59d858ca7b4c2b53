using System.Buffers.Binary;
using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;

namespace DepthNode.Core.Tests.Bags;

/// <summary>A recording killed mid-write: every complete message before the cut is read, with a warning, never another exception type.</summary>
public class McapTruncationTests
{
    private static (byte[] File, List<SyntheticMessage> Messages) Write(bool chunked, McapCompression compression)
    {
        // Monotonic log times, so file order is log-time order and the expected prefix is unambiguous.
        var messages = SyntheticBag.Messages(120, seed: 21, maxImageBytes: 6000).OrderBy(m => m.LogTime).ToList();
        var ms = new MemoryStream();
        using (var w = new McapWriter(ms, new McapWriterOptions { UseChunks = chunked, Compression = compression, ChunkSize = 8 * 1024 }, leaveOpen: true))
        {
            var ids = new Dictionary<string, ushort>();
            foreach (var t in SyntheticBag.Topics)
                ids[t.Name] = w.AddChannel(w.AddSchema(t.Type, "ros2msg", Encoding.UTF8.GetBytes(t.MessageDefinition)), t.Name, "cdr");
            foreach (var m in messages) w.WriteMessage(ids[m.Topic], 0, (ulong)m.LogTime, (ulong)m.PublishTime, m.Data);
        }
        return (ms.ToArray(), messages);
    }

    /// <summary>
    /// Independent walk of the file (spec framing only): for each message, the file offset at which it becomes
    /// readable — the end of its own record when it is top-level or inside an uncompressed chunk, else the end of
    /// its (compressed) chunk. Also the record boundaries, which are the interesting cut points.
    /// </summary>
    private static (List<long> MessageReadyAt, List<long> Boundaries) Walk(byte[] file)
    {
        var ready = new List<long>();
        var bounds = new List<long>();
        long pos = 8;
        while (pos < file.Length - 8)
        {
            var op = file[pos];
            var len = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)pos + 1));
            var end = pos + 9 + len;
            bounds.Add(pos);
            if (op == 0x05) ready.Add(end);
            if (op == 0x06)
            {
                var c = (int)pos + 9;
                var compLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(c + 28));
                var compression = Encoding.ASCII.GetString(file, c + 32, compLen);
                var recordsLen = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(c + 32 + compLen));
                var recordsStart = (long)c + 32 + compLen + 8;
                if (compression == "")
                {
                    for (var p = recordsStart; p < recordsStart + recordsLen;)
                    {
                        var innerEnd = p + 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)p + 1));
                        if (file[p] == 0x05) ready.Add(innerEnd);
                        bounds.Add(p);
                        p = innerEnd;
                    }
                }
                else
                {
                    // Count the messages of a compressed chunk via our own writer's message indexes that follow it.
                    var q = end;
                    while (q < file.Length && file[q] == 0x07)
                    {
                        var ilen = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)q + 1));
                        var entries = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)q + 11)) / 16;
                        for (var i = 0; i < entries; i++) ready.Add(end);
                        q += 9 + ilen;
                    }
                }
            }
            if (op == 0x0F) break;
            pos = end;
        }
        return (ready, bounds);
    }

    [Theory]
    [InlineData(false, McapCompression.None)]
    [InlineData(true, McapCompression.None)]
    [InlineData(true, McapCompression.Zstd)]
    [InlineData(true, McapCompression.Lz4)]
    public void TruncatedFile_YieldsEveryCompleteMessageBeforeTheCut(bool chunked, McapCompression compression)
    {
        var (file, messages) = Write(chunked, compression);
        var (ready, bounds) = Walk(file);
        Assert.Equal(messages.Count, ready.Count);
        var rng = new Random(4);
        var cuts = new SortedSet<long> { 0, 3, 8, 9, 20, file.Length - 1, file.Length - 30 };
        foreach (var b in bounds) { cuts.Add(b); cuts.Add(b + 1); cuts.Add(b - 1); }
        for (var i = 0; i < 100; i++) cuts.Add(rng.NextInt64(0, file.Length));
        foreach (var cut in cuts.Where(c => c >= 0 && c < file.Length))
        {
            var prefix = new MemoryStream(file, 0, (int)cut, writable: false);
            if (cut < 8)
            {
                var e = Assert.Throws<McapException>(() => new McapReader(prefix, "cut.mcap"));
                Assert.Equal(McapErrorKind.Truncated, e.Kind);
                continue;
            }
            using var r = new McapReader(prefix, "cut.mcap");
            var got = r.ReadMessages().Select(m => m.Data.ToArray()).ToList();
            var expected = messages.Where((m, i) => ready[i] <= cut).Select(m => m.Data).ToList();
            Assert.True(expected.Count == got.Count, $"cut at {cut}: expected {expected.Count} messages, read {got.Count}");
            Assert.Equal(expected, got);
            Assert.Contains(r.Warnings, w => w.StartsWith("cut.mcap: ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TruncatedBag_IsRecoveredIntoACompleteIndexedFile()
    {
        var (file, messages) = Write(true, McapCompression.Zstd);
        var (ready, _) = Walk(file);
        var cut = file.Length * 2 / 3;
        var dir = SyntheticBag.TempDir("recover");
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "killed.mcap");
            File.WriteAllBytes(input, file.AsSpan(0, cut).ToArray());
            var output = Path.Combine(dir, "fixed.mcap");
            var result = McapRecovery.Recover(input, output, McapCompression.Lz4);
            var expected = messages.Where((m, i) => ready[i] <= cut).ToList();
            Assert.Equal(expected.Count, result.Messages);
            Assert.NotEmpty(result.Warnings);
            using var r = McapReader.Open(output);
            Assert.True(r.HasSummary);
            Assert.Empty(r.Warnings);
            Assert.Equal(expected.Select(m => m.Data), r.ReadMessages().Select(m => m.Data.ToArray()));
            Assert.Equal(SyntheticBag.Topics.Select(t => t.Name).Order(), r.Channels.Values.Select(c => c.Topic).Order());
            var js = McapReference.Run("check", output);
            Assert.Equal(expected.Count, js.GetProperty("indexedMessages").GetInt32());
        }
        finally { Directory.Delete(dir, true); }
    }
}
