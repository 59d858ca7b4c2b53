using System.Runtime.InteropServices;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;
using Xunit.Abstractions;

namespace DepthNode.Distill.Tests.Training.Labels;

public sealed class LabelCacheTests(ITestOutputHelper output) : IDisposable
{
    private static readonly CrossContextOptions Geometry = new();
    private static readonly LabelCacheIdentity Identity = new("sun3d-sensor", new string('a', 64), "area, disparity 1/m",
        LabelCacheIdentity.DescribeGeometry(Geometry), Seed: 5, ViewsPerFrame: 2);
    private readonly string _dir = Directory.CreateTempSubdirectory("label-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Cache(int frames, int outputSide)
    {
        var path = Path.Combine(_dir, $"cache-{Guid.NewGuid():N}.labels");
        LabelShardBuilder.Write(path, new Sun3dDepthTeacher(frames, outputSide), ShardSpec.Whole, Identity, Geometry);
        return path;
    }

    [Theory]
    [InlineData(1 << 30)]
    [InlineData(4099)] // mapped segments far smaller than an entry: every entry and map header straddles a boundary
    public void TryGet_EveryEntryOfARealCache_EqualsTheEagerReadBitForBit(int segmentBytes)
    {
        var path = Cache(frames: 4, outputSide: 48);
        var (_, eager) = LabelShardFile.Read(path);

        using var cache = LabelCache.Open(path, Identity, segmentBytes);

        Assert.Equal(8, cache.Count);
        foreach (var expected in eager)
        {
            Assert.True(cache.TryGet(expected.FrameKey, expected.View, out var label));
            Assert.Equal((expected.FrameIndex, expected.FrameKey, expected.View), (label.FrameIndex, label.FrameKey, label.View));
            Assert.Equal(expected.Sample.Crop, label.Sample.Crop);
            Assert.Equal(expected.Sample.Patches, label.Sample.Patches);
            Assert.Equal(expected.Maps.Count, label.Maps.Count);
            for (var m = 0; m < expected.Maps.Count; m++)
            {
                Assert.Equal((expected.Maps[m].Height, expected.Maps[m].Width), (label.Maps[m].Height, label.Maps[m].Width));
                Assert.Equal(MemoryMarshal.Cast<float, int>(expected.Maps[m].Values).ToArray(), MemoryMarshal.Cast<float, int>(label.Maps[m].Values).ToArray());
            }
        }
        Assert.False(cache.TryGet(eager[0].FrameKey, 2, out _));
    }

    [Fact]
    public void OpenAndTryGet_TwentyMegabyteCache_AllocateAboutOneEntryPerLookupNotTheFile()
    {
        var path = Cache(frames: 20, outputSide: 160); // 40 entries of 5 maps of 160² floats: 512 KB each
        var fileBytes = new FileInfo(path).Length;
        var entryBytes = 5 * 160 * 160 * sizeof(float);
        var keys = new Sun3dDepthTeacher(20).FrameKeys;

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var cache = LabelCache.Open(path, Identity);
        var open = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            Assert.True(cache.TryGet(keys[i % 20], i / 20 % 2, out _));
        var lookups = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"cache {fileBytes} bytes: Open allocated {open}, 100 lookups {lookups} ({lookups / 100} per lookup, entry {entryBytes})");
        Assert.True(fileBytes > 40L * entryBytes, $"cache of {fileBytes} bytes");
        Assert.True(open < fileBytes / 100, $"Open allocated {open} bytes for a {fileBytes}-byte cache");
        // Each lookup owns its label's floats; beyond that only small objects and, once, the pooled read buffer.
        Assert.True(lookups < 100L * entryBytes * 21 / 20 + 2 * entryBytes, $"100 lookups allocated {lookups} bytes, entries hold {entryBytes}");
    }

    [Theory]
    [InlineData(-1000)] // cut inside the last map
    [InlineData(-300_000)] // cut inside the first entry
    [InlineData(7)] // bytes after the last entry
    public void Open_DamagedCache_SameOneLineErrorAsTheEagerRead(int change)
    {
        var path = Cache(frames: 2, outputSide: 64);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, change < 0 ? bytes[..(bytes.Length + change)] : [.. bytes, .. new byte[change]]);
        var eager = Assert.Throws<InvalidDataException>(() => LabelShardFile.Read(path));

        var e = Assert.Throws<InvalidDataException>(() => LabelCache.Open(path, Identity));

        Assert.Equal(eager.Message, e.Message);
        Assert.StartsWith($"label shard {path}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Open_CacheCutInsideTheHeader_TruncatedErrorNamingTheFile()
    {
        var path = Cache(frames: 1, outputSide: 16);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);

        var e = Assert.Throws<InvalidDataException>(() => LabelCache.Open(path, Identity));

        Assert.StartsWith($"label shard {path} is truncated or corrupt (", e.Message);
    }

    [Fact]
    public void Open_OneViewWrittenTwice_RefusedNamingFrameAndView()
    {
        var path = Path.Combine(_dir, "twice.labels");
        var source = new Sun3dDepthTeacher(1, 16);
        var sample = new CrossContextSampler(Geometry, LabelShardBuilder.ViewSeed(5, 0, 1)).Sample(640, 480);
        var label = new FrameLabel(0, source.FrameKeys[0], 1, sample, source.Label(0, sample));
        using (var writer = new LabelShardWriter(path, new LabelShardFile.Header(Identity, ShardSpec.Whole, 2)))
        {
            writer.Add(label);
            writer.Add(label);
            writer.Complete();
        }

        var e = Assert.Throws<InvalidDataException>(() => LabelCache.Open(path, Identity));

        Assert.Equal($"label cache {path} holds frame {source.FrameKeys[0]} view 1 twice", e.Message);
    }

    [Fact]
    public void ReadHeader_CacheOfTwentyMegabytes_ReadsTheHeaderNotTheFile()
    {
        var path = Cache(frames: 20, outputSide: 160);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var header = LabelShardFile.ReadHeader(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((Identity, ShardSpec.Whole, 40), (header.Identity, header.Shard, header.EntryCount));
        Assert.True(allocated < 64 * 1024, $"ReadHeader allocated {allocated} bytes");
    }
}
