using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;

namespace DepthNode.Core.Tests.Bags;

/// <summary>
/// Property-based fuzzing of the MCAP reader with fixed seeds: random bytes and mutations of valid files (bit flips,
/// huge lengths, cuts, splices). The only exception allowed is <see cref="McapException"/>; every case finishes
/// quickly; and no case allocates more than the input can justify (a compressed chunk may expand, bounded).
/// </summary>
public class McapFuzzTests
{
    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        foreach (var (chunked, compression) in new[] { (true, McapCompression.None), (true, McapCompression.Zstd), (true, McapCompression.Lz4), (false, McapCompression.None) })
        {
            var ms = new MemoryStream();
            using (var w = new McapWriter(ms, new McapWriterOptions { UseChunks = chunked, Compression = compression, ChunkSize = 2048 }, leaveOpen: true))
            {
                var ids = SyntheticBag.Topics.ToDictionary(t => t.Name, t => w.AddChannel(w.AddSchema(t.Type, "ros2msg", Encoding.UTF8.GetBytes(t.MessageDefinition)), t.Name, "cdr",
                    new Dictionary<string, string> { ["offered_qos_profiles"] = t.OfferedQosProfiles }));
                foreach (var m in SyntheticBag.Messages(40, seed: 2, maxImageBytes: 1500)) w.WriteMessage(ids[m.Topic], 1, (ulong)m.LogTime, (ulong)m.PublishTime, m.Data);
                w.WriteMetadata("rosbag2", new Dictionary<string, string> { ["k"] = "v" });
            }
            seeds.Add(ms.ToArray());
        }
        return seeds;
    }

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = (byte[])seed.Clone();
        switch (rng.Next(7))
        {
            case 0: // bit flips
                for (var i = rng.Next(1, 8); i > 0; i--) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 1: // a huge or off-by-some u64 where a length or offset may live
            {
                var at = rng.Next(b.Length - 8);
                ulong v = rng.Next(4) switch { 0 => ulong.MaxValue, 1 => (ulong)rng.NextInt64(), 2 => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)) + (ulong)rng.Next(1, 100), _ => 1UL << rng.Next(20, 63) };
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v);
                return b;
            }
            case 2: // a u32 length prefix
            {
                var at = rng.Next(b.Length - 4);
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), rng.Next(2) == 0 ? uint.MaxValue : (uint)rng.Next());
                return b;
            }
            case 3: // cut
                return b.AsSpan(0, rng.Next(b.Length)).ToArray();
            case 4: // splice a random region elsewhere
            {
                var from = rng.Next(b.Length);
                var len = rng.Next(1, Math.Min(512, b.Length - from) + 1);
                var to = rng.Next(b.Length);
                return [.. b.AsSpan(0, to), .. b.AsSpan(from, len), .. b.AsSpan(to)];
            }
            case 5: // random opcodes at record-ish positions
                for (var i = rng.Next(1, 4); i > 0; i--) b[rng.Next(8, b.Length)] = (byte)rng.Next(0, 20);
                return b;
            default: // random garbage after a valid magic
            {
                var g = new byte[rng.Next(8, 4096)];
                rng.NextBytes(g);
                McapConstants.Magic.CopyTo(g);
                return g;
            }
        }
    }

    /// <summary>Opens and fully reads; returns the bytes allocated on this thread.</summary>
    private static long ReadAll(byte[] input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var r = new McapReader(new MemoryStream(input, writable: false), "fuzz.mcap");
            foreach (var m in r.ReadMessages()) _ = m.Data.Length;
            r.ReadMetadata();
        }
        catch (McapException) { }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomAndMutatedFiles_OnlyMcapException_NoHang_BoundedAllocation(int seed)
    {
        var seeds = Seeds();
        var failures = new List<string>();
        var cases = 0;
        var work = Task.Run(() =>
        {
            var rng = new Random(seed);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(5) && cases < 15000)
            {
                var input = rng.Next(10) == 0 ? RandomBytes(rng) : Mutate(seeds[rng.Next(seeds.Count)], rng);
                cases++;
                try
                {
                    var allocated = ReadAll(input);
                    // Parsed strings/maps and pooled buffers are proportional to the input; a zstd chunk may expand up to
                    // 64x its compressed size (beyond that only as bytes are really produced), an LZ4 block needs 4 MiB.
                    var budget = 80L * input.Length + (24L << 20);
                    if (allocated > budget) failures.Add($"case {cases}: {input.Length} input bytes allocated {allocated}");
                }
                catch (Exception e)
                {
                    failures.Add($"case {cases} ({input.Length} bytes): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
        });
        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(30))) == work;
        Assert.True(finished, $"fuzzing hung after {cases} cases");
        Assert.True(cases > 200, $"only {cases} cases ran");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(0, 2048)];
        rng.NextBytes(b);
        if (b.Length >= 8 && rng.Next(2) == 0) McapConstants.Magic.CopyTo(b);
        return b;
    }
}
