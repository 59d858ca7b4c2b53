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

    /// <summary>A compressed chunk: where its compressed records lie in the file and which messages (by index) it holds.</summary>
    internal sealed record CompressedChunk(long RecordsStart, long End, string Compression, int FirstMessage, int Count);

    /// <summary>
    /// Independent walk of the file (spec framing only): for each message, the file offset at which it becomes
    /// readable — the end of its own record when it is top-level or inside an uncompressed chunk, else the end of
    /// its (compressed) chunk. Also the record boundaries, which are the interesting cut points, and the compressed
    /// chunks, whose messages a cut inside them may still leave readable (see <see cref="ReadableInCutChunk"/>).
    /// </summary>
    private static (List<long> MessageReadyAt, List<long> Boundaries) Walk(byte[] file) => Walk(file, []);

    private static (List<long> MessageReadyAt, List<long> Boundaries) Walk(byte[] file, List<CompressedChunk> compressed)
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
                    var first = ready.Count;
                    var q = end;
                    while (q < file.Length && file[q] == 0x07)
                    {
                        var ilen = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)q + 1));
                        var entries = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)q + 11)) / 16;
                        for (var i = 0; i < entries; i++) ready.Add(end);
                        q += 9 + ilen;
                    }
                    compressed.Add(new CompressedChunk(recordsStart, end, compression, first, ready.Count - first));
                }
            }
            if (op == 0x0F) break;
            pos = end;
        }
        return (ready, bounds);
    }

    /// <summary>
    /// How many messages of a compressed chunk cut at <paramref name="cut"/> are whole in what the reference
    /// command-line decompressor (<c>zstd -dc</c>, <c>lz4 -dc</c>) gets out of the bytes that are there. zstd emits
    /// whole blocks only; for LZ4 the prefix is first shortened to its last whole block (the LZ4 frame's block
    /// framing walked here), since the CLI also streams out part of a stored block.
    /// </summary>
    internal static int ReadableInCutChunk(byte[] file, CompressedChunk chunk, long cut)
    {
        var end = cut;
        if (chunk.Compression == "lz4")
        {
            var p = chunk.RecordsStart + 4;
            var flags = file[p];
            p += 2 + ((flags & 0x08) != 0 ? 8 : 0) + ((flags & 0x01) != 0 ? 4 : 0) + 1;
            end = p;
            while (p + 4 <= cut)
            {
                var size = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)p)) & 0x7FFFFFFF;
                if (size == 0) break;
                var blockEnd = p + 4 + size + ((flags & 0x10) != 0 ? 4 : 0);
                if (blockEnd > cut) break;
                end = p = blockEnd;
            }
        }
        if (end <= chunk.RecordsStart) return 0;
        var psi = new System.Diagnostics.ProcessStartInfo(chunk.Compression, ["-dc"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = System.Diagnostics.Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = proc.StandardOutput.BaseStream.CopyToAsync(output);
        var drain = proc.StandardError.ReadToEndAsync();
        proc.StandardInput.BaseStream.Write(file, (int)chunk.RecordsStart, (int)(end - chunk.RecordsStart));
        proc.StandardInput.Close();
        copy.Wait();
        drain.Wait();
        proc.WaitForExit();
        var records = output.ToArray();
        var complete = 0;
        for (long q = 0; q + 9 <= records.Length;)
        {
            var recordEnd = q + 9 + (long)BinaryPrimitives.ReadUInt64LittleEndian(records.AsSpan((int)q + 1));
            if (recordEnd > records.Length) break;
            if (records[q] == 0x05) complete++;
            q = recordEnd;
        }
        return complete;
    }

    [Theory]
    [InlineData(false, McapCompression.None)]
    [InlineData(true, McapCompression.None)]
    [InlineData(true, McapCompression.Zstd)]
    [InlineData(true, McapCompression.Lz4)]
    public void TruncatedFile_YieldsEveryCompleteMessageBeforeTheCut(bool chunked, McapCompression compression)
    {
        var (file, messages) = Write(chunked, compression);
        var compressed = new List<CompressedChunk>();
        var (ready, bounds) = Walk(file, compressed);
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
            var readable = ready.Select(r => r <= cut).ToList();
            if (compressed.FirstOrDefault(c => c.RecordsStart < cut && cut < c.End) is { } inside)
                for (var i = 0; i < ReadableInCutChunk(file, inside, cut); i++) readable[inside.FirstMessage + i] = true;
            var expected = messages.Where((m, i) => readable[i]).Select(m => m.Data).ToList();
            Assert.True(expected.Count == got.Count, $"cut at {cut}: expected {expected.Count} messages, read {got.Count}");
            Assert.Equal(expected, got);
            Assert.Contains(r.Warnings, w => w.StartsWith("cut.mcap: ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TruncatedBag_IsRecoveredIntoACompleteIndexedFile()
    {
        var (file, messages) = Write(true, McapCompression.Zstd);
        var compressed = new List<CompressedChunk>();
        var (ready, _) = Walk(file, compressed);
        var cut = file.Length * 2 / 3;
        var readable = ready.Select(r => r <= cut).ToList();
        var inside = compressed.Single(c => c.RecordsStart < cut && cut < c.End);
        for (var i = 0; i < ReadableInCutChunk(file, inside, cut); i++) readable[inside.FirstMessage + i] = true;
        var dir = SyntheticBag.TempDir("recover");
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "killed.mcap");
            File.WriteAllBytes(input, file.AsSpan(0, cut).ToArray());
            var output = Path.Combine(dir, "fixed.mcap");
            var result = McapRecovery.Recover(input, output, McapCompression.Lz4);
            var expected = messages.Where((m, i) => readable[i]).ToList();
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
