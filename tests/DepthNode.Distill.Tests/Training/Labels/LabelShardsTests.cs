using System.Diagnostics;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Training.Labels;

public sealed class LabelShardsTests : IDisposable
{
    private static readonly CrossContextOptions Geometry = new();
    private static readonly LabelCacheIdentity Identity = new("sun3d-sensor", new string('a', 64), "area 32x32, disparity 1/m",
        LabelCacheIdentity.DescribeGeometry(Geometry), Seed: 11, ViewsPerFrame: 2);
    private readonly string _dir = Directory.CreateTempSubdirectory("labels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Shard(Sun3dDepthTeacher source, ShardSpec shard, LabelCacheIdentity? identity = null)
    {
        var path = Path.Combine(_dir, $"shard-{shard.Index}-of-{shard.Count}-{Guid.NewGuid():N}.msgpack");
        LabelShardBuilder.Write(path, source, shard, identity ?? Identity, Geometry);
        return path;
    }

    [Fact]
    public void Merge_ThreeShardsOfTenRealFrames_EqualsTheUnshardedRunByteForByte()
    {
        var source = new Sun3dDepthTeacher(10);
        var whole = Shard(source, ShardSpec.Whole);
        var shards = new[] { 2, 0, 1 }.Select(i => Shard(source, new ShardSpec(i, 3))).ToList(); // any order
        var merged = Path.Combine(_dir, "merged.msgpack");

        LabelShards.Merge(shards, merged);

        Assert.Equal([3 * 2, 4 * 2, 3 * 2], shards.Select(s => LabelShardFile.ReadHeader(s).EntryCount)); // 2/3: frames 2,5,8; 0/3: 0,3,6,9
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(merged));
        Assert.Equal(20, LabelShardFile.Read(merged).Labels.Count);
    }

    [Fact]
    public void Read_AfterWrite_GivesBackEveryBoxAndTheTeachersValues()
    {
        var source = new Sun3dDepthTeacher(3);
        var path = Shard(source, ShardSpec.Whole);

        var (header, labels) = LabelShardFile.Read(path);

        Assert.Equal(Identity, header.Identity);
        Assert.Equal(6, labels.Count);
        foreach (var l in labels)
        {
            Assert.Equal(source.FrameKeys[l.FrameIndex], l.FrameKey);
            var expected = new CrossContextSampler(Geometry, LabelShardBuilder.ViewSeed(11, l.FrameIndex, l.View)).Sample(640, 480);
            Assert.Equal(expected.Crop, l.Sample.Crop);
            Assert.Equal(expected.Patches, l.Sample.Patches);
            var maps = source.Label(l.FrameIndex, expected);
            Assert.Equal(5, l.Maps.Count);
            for (var m = 0; m < 5; m++) Assert.Equal(maps[m].Values, l.Maps[m].Values);
        }
        Assert.NotEqual(labels[0].Sample.Crop, labels[1].Sample.Crop); // two views of one frame differ
    }

    [Fact]
    public void Open_CacheOfAnotherTeacher_RefusedWithOneLineNamingBothTeachers()
    {
        var path = Shard(new Sun3dDepthTeacher(2), ShardSpec.Whole);
        var expected = Identity with { TeacherName = "fastdepth_7", TeacherSha256 = "6275c23f467d476874d0eecea2a2c7059733ca6681de4f17bfbfe3fc3a52a71d" };

        var e = Assert.Throws<InvalidDataException>(() => LabelCache.Open(path, expected));

        Assert.Equal($"label cache {path} was made with teacher sun3d-sensor (sha256 aaaaaaaaaaaa…), not fastdepth_7 (sha256 6275c23f467d…); relabel or point the run at another cache", e.Message);
    }

    [Fact]
    public void Open_OtherCropGeometry_RefusedNamingBoth()
    {
        var path = Shard(new Sun3dDepthTeacher(2), ShardSpec.Whole);
        var other = Identity with { Geometry = LabelCacheIdentity.DescribeGeometry(new CrossContextOptions { CropSideMin = 300 }) };

        var e = Assert.Throws<InvalidDataException>(() => LabelCache.Open(path, other));

        Assert.Contains("crop geometry 'crop 258-short, patch 224 x4 corners', not 'crop 300-short, patch 224 x4 corners'", e.Message);
    }

    [Fact]
    public void Open_SameIdentity_FindsEveryFrameAndView()
    {
        var source = new Sun3dDepthTeacher(3);
        var cache = LabelCache.Open(Shard(source, ShardSpec.Whole), Identity);

        Assert.Equal(6, cache.Count);
        Assert.True(cache.TryGet(source.FrameKeys[2], 1, out var label));
        Assert.Equal(2, label.FrameIndex);
        Assert.False(cache.TryGet(source.FrameKeys[2], 2, out _));
    }

    [Fact]
    public void Merge_ShardMissing_RefusedNamingIt()
    {
        var source = new Sun3dDepthTeacher(4);
        var shards = new[] { 0, 2 }.Select(i => Shard(source, new ShardSpec(i, 3))).ToList();

        var e = Assert.Throws<InvalidDataException>(() => LabelShards.Merge(shards, Path.Combine(_dir, "m.msgpack")));

        Assert.Equal("label shards 1/3 are missing or given twice", e.Message);
    }

    [Fact]
    public void Merge_ShardOfAnotherTeacher_RefusedNamingTheFile()
    {
        var source = new Sun3dDepthTeacher(2);
        var a = Shard(source, new ShardSpec(0, 2));
        var b = Shard(source, new ShardSpec(1, 2), Identity with { Seed = 12 });

        var e = Assert.Throws<InvalidDataException>(() => LabelShards.Merge([a, b], Path.Combine(_dir, "m.msgpack")));

        Assert.Equal($"label shard {b} was made with seed 12, not 11 (as {a})", e.Message);
    }

    [Fact]
    public void Read_TruncatedShard_OneErrorNamingTheFile()
    {
        var path = Shard(new Sun3dDepthTeacher(2), ShardSpec.Whole);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 1000)]);

        var e = Assert.Throws<InvalidDataException>(() => LabelShardFile.Read(path));

        Assert.StartsWith($"label shard {path} is truncated or corrupt", e.Message);
    }

    [Fact]
    public void Writer_DisposedBeforeComplete_LeavesNoShard()
    {
        var path = Path.Combine(_dir, "killed.msgpack");
        var source = new Sun3dDepthTeacher(1);
        var sample = new CrossContextSampler(Geometry, 1).Sample(640, 480);

        using (var writer = new LabelShardWriter(path, new LabelShardFile.Header(Identity, ShardSpec.Whole, 2)))
            writer.Add(new FrameLabel(0, source.FrameKeys[0], 0, sample, source.Label(0, sample)));

        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("1-4")]
    [InlineData("-1/2")]
    [InlineData("0/0")]
    public void ShardSpecParse_Malformed_ThrowsSayingTheForm(string text)
    {
        var e = Assert.Throws<FormatException>(() => ShardSpec.Parse(text));
        Assert.Equal($"--shard '{text}' must be i/N with 0 ≤ i < N (e.g. 3/8)", e.Message);
    }

    [Fact]
    public void ForFile_RealPng_KeyHoldsTheSha256OfItsBytes()
    {
        var path = SharedData.Path("data", "sun3d_fragment1", "frame-000935.color.png");
        var p = Process.Start(new ProcessStartInfo("sha256sum", [path]) { RedirectStandardOutput = true })!;
        var sha = p.StandardOutput.ReadToEnd().Split(' ')[0];
        p.WaitForExit();

        Assert.Equal($"file:{path}|sha256:{sha}", FrameKeys.ForFile(path));
    }
}
