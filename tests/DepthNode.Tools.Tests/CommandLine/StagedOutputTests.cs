using DepthNode.CommandLine;

namespace DepthNode.Tools.Tests.CommandLine;

public sealed class StagedOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("depthnode-staged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(params string[] parts) => Path.Combine([_dir, .. parts]);

    private string EarlierBag()
    {
        Directory.CreateDirectory(P("bag"));
        File.WriteAllText(P("bag", "metadata.yaml"), "old");
        File.WriteAllText(P("bag", "bag_0.mcap"), "old data");
        return P("bag");
    }

    [Fact]
    public void Commit_ExistingBagWithForce_ReplacedOnlyAtCommit()
    {
        var bag = EarlierBag();
        using (var staged = StagedOutput.Begin(bag, force: true))
        {
            Assert.Equal(bag, staged.FinalPath);
            Assert.Equal("bag", Path.GetFileName(staged.Path)); // a bag folder names its storage file after itself
            Assert.Equal(_dir, Path.GetDirectoryName(Path.GetDirectoryName(staged.Path))); // beside: the final move is a rename
            Directory.CreateDirectory(staged.Path);
            File.WriteAllText(Path.Combine(staged.Path, "metadata.yaml"), "new");
            Assert.Equal("old", File.ReadAllText(P("bag", "metadata.yaml")));
            staged.Commit();
        }
        Assert.Equal(["metadata.yaml"], Directory.GetFiles(bag).Select(Path.GetFileName));
        Assert.Equal("new", File.ReadAllText(P("bag", "metadata.yaml")));
        Assert.Equal([bag], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Dispose_WithoutCommit_DeletesTheNewOutputAndKeepsTheOld()
    {
        var bag = EarlierBag();
        using (var staged = StagedOutput.Begin(bag, force: true))
        {
            Directory.CreateDirectory(staged.Path);
            File.WriteAllText(Path.Combine(staged.Path, "metadata.yaml"), "half");
        }
        Assert.Equal("old data", File.ReadAllText(P("bag", "bag_0.mcap")));
        Assert.Equal([bag], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Commit_OutputThatAppearedMeanwhileWithoutForce_KeptAndNothingLeft()
    {
        using (var staged = StagedOutput.Begin(P("out.mcap"), force: false))
        {
            File.WriteAllText(staged.Path, "new");
            File.WriteAllText(P("out.mcap"), "someone else's");
            var e = Assert.Throws<CliException>(staged.Commit);
            Assert.Contains("appeared while it was being written", e.Message);
        }
        Assert.Equal("someone else's", File.ReadAllText(P("out.mcap")));
        Assert.Equal([P("out.mcap")], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Begin_ExistingOutputWithoutForce_Refused()
    {
        var bag = EarlierBag();
        var e = Assert.Throws<CliException>(() => StagedOutput.Begin(bag, force: false));
        Assert.Equal($"output {bag} exists (use --force to replace it)", e.Message);
        File.WriteAllText(P("file.mcap"), "x");
        Assert.Throws<CliException>(() => StagedOutput.Begin(P("file.mcap"), force: false));
        Assert.Equal([bag, P("file.mcap")], Directory.GetFileSystemEntries(_dir).Order());
    }

    [Fact]
    public void Begin_ExistingFolderThatIsNotABag_RefusedEvenWithForce()
    {
        Directory.CreateDirectory(P("photos"));
        File.WriteAllText(P("photos", "a.jpg"), "x");
        var e = Assert.Throws<CliException>(() => StagedOutput.Begin(P("photos"), force: true));
        Assert.Contains("is not a bag folder", e.Message);
    }

    [Theory]
    [InlineData("in", "in", "is the input")]
    [InlineData("in/sub/out", "in", "lies inside the input")]
    [InlineData(".", "in/bag_0.mcap", "contains the input")]
    [InlineData("in/../in", "in", "is the input")]
    public void Begin_OutputIsInsideOrContainsAnInput_Refused(string output, string input, string expected)
    {
        Directory.CreateDirectory(P("in"));
        File.WriteAllText(P("in", "bag_0.mcap"), "x");
        var e = Assert.Throws<CliException>(() => StagedOutput.Begin(P(output), force: true, P(input)));
        Assert.Contains(expected, e.Message);
        Assert.Equal("x", File.ReadAllText(P("in", "bag_0.mcap")));
    }

    [Fact]
    public void Begin_OutputReachesTheInputThroughSymlinks_Refused()
    {
        Directory.CreateDirectory(P("data", "real"));
        File.WriteAllText(P("data", "real", "x.mcap"), "x");
        Directory.CreateSymbolicLink(P("alias"), "data/real");                // relative target
        Directory.CreateSymbolicLink(P("data", "real", "up"), P("data"));   // absolute target
        // alias/up/real/x.mcap → data/real/up/real/x.mcap → data/real/x.mcap
        var e = Assert.Throws<CliException>(() => StagedOutput.Begin(P("alias", "up", "real", "x.mcap"), force: true, P("data", "real", "x.mcap")));
        Assert.Contains("is the input", e.Message);
        // ".." applies to the link's target (data/real/..= data), not to the spelling (alias/.. = the temp folder).
        Assert.Equal(P("data"), RealPath.Of(P("alias", "..")));
    }

    [Fact]
    public void RealPath_LinkCycle_IsAnErrorNotAHang()
    {
        File.CreateSymbolicLink(P("a"), "b");
        File.CreateSymbolicLink(P("b"), "a");
        Assert.Throws<IOException>(() => RealPath.Of(P("a")));
    }
}
