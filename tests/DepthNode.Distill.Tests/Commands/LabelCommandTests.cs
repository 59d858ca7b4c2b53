using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Commands;

/// <summary>`depth-distill label` as a job array would run it: N shards merged equal the unsharded cache byte for byte.</summary>
public sealed class LabelCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("label-command-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Config(string name)
    {
        var path = Path.Combine(_dir.FullName, name + ".yaml");
        File.WriteAllText(path, $"""
            seed: 11
            output: {Path.Combine(_dir.FullName, name)}
            data:
              folders:
                - path: {SharedData.Path("data", "nyu")}
                  pattern: "rgb_*.jpg"
            teachers:
              - name: fastdepth
                onnx: {CheckoutModels.DefaultModelPath}
            student:
              arch: fastdepth
            crop:
              patch_count: 2
            training:
              steps: 1
            """);
        return path;
    }

    private static (int Code, string Out) Distill(params string[] args)
    {
        var o = new StringWriter();
        var code = Program.RunWith(args, o, o);
        return (code, o.ToString());
    }

    [Fact]
    public void Label_TwoShardsMerged_EqualTheUnshardedCacheByteForByte()
    {
        var whole = Config("whole");
        var sharded = Config("sharded");

        Assert.Equal(0, Distill("label", "--config", whole).Code);
        Assert.Equal(0, Distill("label", "--config", sharded, "--shard", "1/2").Code);
        var early = Distill("label", "--config", sharded, "--merge");
        Assert.Equal(1, early.Code);
        Assert.Contains("0/2 are missing", early.Out);
        Assert.Equal(0, Distill("label", "--config", sharded, "--shard", "0/2").Code);
        var merged = Distill("label", "--config", sharded, "--merge");
        Assert.True(merged.Code == 0, merged.Out);

        var a = File.ReadAllBytes(Path.Combine(_dir.FullName, "whole", "labels", "fastdepth.labels"));
        var b = File.ReadAllBytes(Path.Combine(_dir.FullName, "sharded", "labels", "fastdepth.labels"));
        Assert.True(a.Length > 3 * 3 * 224 * 224 * 4, $"{a.Length} bytes");
        Assert.Equal(a, b);
    }

    [Fact]
    public void Train_ShardsWithoutMerge_RefusedNamingTheMergeCommand()
    {
        var c = Config("unmerged");
        Assert.Equal(0, Distill("label", "--config", c, "--shard", "0/2").Code);
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(["train", "--config", c], o, e);
        Assert.Equal(1, code);
        var cache = Path.Combine(_dir.FullName, "unmerged", "labels", "fastdepth.labels");
        Assert.Equal($"depth-distill train: teacher fastdepth: 1 label shard(s) beside {cache} but no merged cache; `depth-distill label --config {c} --merge` joins them\n", e.ToString());
    }

    [Fact]
    public void Label_BadShardOrTeacher_ExitTwoWithOneLine()
    {
        var c = Config("bad");
        var shard = Distill("label", "--config", c, "--shard", "2/2");
        Assert.Equal(2, shard.Code);
        Assert.Contains("--shard '2/2' must be i/N with 0 ≤ i < N", shard.Out);
        var teacher = Distill("label", "--config", c, "--teacher", "dav2");
        Assert.Equal(2, teacher.Code);
        Assert.Contains("--teacher dav2: the config's teachers are fastdepth", teacher.Out);
    }
}
