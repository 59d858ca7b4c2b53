using DepthNode.Bags;

namespace DepthNode.Core.Tests.Bags;

/// <summary>Reading allocates per enumeration and per chunk, never per message.</summary>
public class BagAllocationTests
{
    private static long AllocatedWhileReading(string bag)
    {
        using var reader = BagReader.Open(bag);
        foreach (var m in reader.ReadMessages()) _ = m.Data.Length; // warm: topics, buffers, pools
        var before = GC.GetAllocatedBytesForCurrentThread();
        long n = 0;
        foreach (var m in reader.ReadMessages(new BagReadOptions { RequireCdr = true })) n += m.Data.Length;
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(McapCompression.None)]
    [InlineData(McapCompression.Zstd)]
    public void McapBagRead_AllocationDoesNotGrowWithMessageCount(McapCompression compression)
    {
        var dir = SyntheticBag.TempDir("alloc");
        try
        {
            long Measure(int count)
            {
                var path = Path.Combine(dir, $"n{count}");
                using (var w = BagWriter.Create(path, BagStorage.Mcap, compression, new BagWriterOptions { McapChunkSize = 64 << 20 }))
                {
                    foreach (var t in SyntheticBag.Topics) w.AddTopic(t);
                    foreach (var m in SyntheticBag.Messages(count, seed: 1, maxImageBytes: 2000)) w.Write(m.Topic, m.LogTime, m.PublishTime, m.Data);
                }
                return AllocatedWhileReading(path);
            }
            var small = Measure(500);
            var large = Measure(5000);
            // 4500 more messages: even 8 bytes each would show as 36 KB.
            Assert.True(large - small < 8 * 1024, $"500 messages: {small} B, 5000 messages: {large} B allocated");
        }
        finally { Directory.Delete(dir, true); }
    }
}
