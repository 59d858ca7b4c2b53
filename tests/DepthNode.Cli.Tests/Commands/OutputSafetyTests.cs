using System.Security.Cryptography;
using DepthNode.Bags;
using DepthNode.Tests;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>
/// No command destroys data: the cases reported in issue 7, on real bags copied to a temporary folder
/// (the copies are writable, so a broken check would really destroy them).
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("depthnode-output-safety-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Talker(string storage) => SharedData.Path("bags", "rosbag2", "rosbag2_py", "test", "resources", storage, "talker");

    private string CopyFile(string source, string name)
    {
        var path = Path.Combine(_dir, name);
        File.Copy(source, path);
        File.SetAttributes(path, FileAttributes.Normal);
        return path;
    }

    private string CopyFolder(string source, string name)
    {
        var target = Path.Combine(_dir, name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
            File.SetAttributes(to, FileAttributes.Normal);
        }
        return target;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Every file under a folder with its hash: a folder is unchanged when this is.</summary>
    private static List<(string, string)> Tree(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(folder, f), Hash(f))).ToList();

    /// <summary>Nothing half-written is left beside the outputs (staging folders are hidden).</summary>
    private void AssertNoLeftovers() =>
        Assert.Empty(Directory.GetFileSystemEntries(_dir, ".*"));

    [Fact]
    public void Recover_OutputIsTheInput_RefusedAndInputUnchanged()
    {
        var x = CopyFile(Path.Combine(Talker("mcap"), "talker.mcap"), "x.mcap");
        var before = Hash(x);
        foreach (var extra in new[] { Array.Empty<string>(), ["--force"] })
        {
            var (code, _, stderr) = CliRunner.Run(["bag", "recover", x, x, .. extra]);
            Assert.Equal(1, code);
            Assert.Equal($"depthnode bag: output {x} is the input {x}; write to another path", stderr.Trim());
            Assert.Equal(before, Hash(x));
        }
        AssertNoLeftovers();
    }

    [Fact]
    public void Recover_OutputIsASymlinkToTheInput_RefusedEvenWithForce()
    {
        var x = CopyFile(Path.Combine(Talker("mcap"), "talker.mcap"), "x.mcap");
        var before = Hash(x);
        var link = Path.Combine(_dir, "link.mcap");
        File.CreateSymbolicLink(link, "x.mcap");
        var (code, _, stderr) = CliRunner.Run("bag", "recover", x, link, "--force");
        Assert.Equal(1, code);
        Assert.Contains("is the input", stderr);
        Assert.Equal(before, Hash(x));
        Assert.Equal("x.mcap", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Recover_ExistingUnrelatedFile_KeptWithoutForce_ReplacedWithForce()
    {
        var x = CopyFile(Path.Combine(Talker("mcap"), "talker.mcap"), "x.mcap");
        var existing = Path.Combine(_dir, "existing.mcap");
        File.WriteAllText(existing, "the user's own file");

        var (code, _, stderr) = CliRunner.Run("bag", "recover", x, existing);
        Assert.Equal(1, code);
        Assert.Equal($"depthnode bag: output {existing} exists (use --force to replace it)", stderr.Trim());
        Assert.Equal("the user's own file", File.ReadAllText(existing));

        (code, _, stderr) = CliRunner.Run("bag", "recover", x, existing, "--force");
        Assert.True(code == 0, stderr);
        // The replacement holds every message of the input, byte for byte (read with the input's own reader).
        using (var original = BagReader.Open(x))
        using (var recovered = BagReader.Open(existing))
            Assert.Equal(original.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))),
                recovered.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))));
        AssertNoLeftovers();
    }

    [Fact]
    public void Convert_OutputInsideOrAroundTheInputBag_Refused()
    {
        var bag = CopyFolder(Talker("sqlite3"), "talker");
        var before = Tree(bag);
        var (code, _, stderr) = CliRunner.Run("bag", "convert", bag, Path.Combine(bag, "inner"), "--storage", "mcap");
        Assert.Equal(1, code);
        Assert.Contains("lies inside the input", stderr);

        // The parent of the input made to look like an earlier bag: with --force it would have been deleted.
        File.WriteAllText(Path.Combine(_dir, "metadata.yaml"), "rosbag2_bagfile_information: {}\n");
        (code, _, stderr) = CliRunner.Run("bag", "convert", bag, _dir, "--force");
        Assert.Equal(1, code);
        Assert.Contains("contains the input", stderr);
        Assert.Equal(before, Tree(bag));
    }

    [Fact]
    public void Run_OutputIsTheInputBag_RefusedWithForceAndInputKept()
    {
        var b = CopyFile(SharedData.Path("bags", "rosbag2js", "sample.db3"), "b.db3");
        var before = Hash(b);
        var (code, _, stderr) = CliRunner.Run("run", "--bag", b, "--out", b, "--force");
        Assert.Equal(1, code);
        Assert.Equal($"depthnode run: output {b} is the input {b}; write to another path", stderr.Trim());
        Assert.Equal(before, Hash(b));

        var folder = CopyFolder(Talker("mcap"), "talker");
        var tree = Tree(folder);
        (code, _, stderr) = CliRunner.Run("run", "--bag", folder, "--out", folder, "--force");
        Assert.Equal(1, code);
        Assert.Contains("is the input", stderr);
        Assert.Equal(tree, Tree(folder));
        AssertNoLeftovers();
    }

    [Fact]
    public void Run_FailsAfterStarting_LeavesTheEarlierOutputAsItWasAndNothingElse()
    {
        // An earlier bag at the output path; the run fails (the bag has no CameraInfo, so no frame is processed).
        var earlier = Path.Combine(_dir, "out");
        using (var src = BagReader.Open(Talker("sqlite3"))) BagConverter.Convert(src, earlier, BagStorage.Mcap);
        var before = Tree(earlier);
        var fresh = Path.Combine(_dir, "fresh");
        foreach (var output in new[] { earlier, fresh })
        {
            var (code, stdout, stderr) = CliRunner.Run("run", "--bag", SharedData.Path("bags", "rosbag2js", "sample.db3"), "--out", output,
                "--image-topic", "/image", "--metric-source", "model", "--previews", "0", "--force");
            Assert.Equal(1, code);
            Assert.Contains("0 of 1 frames processed", stdout + stderr);
        }
        Assert.Equal(before, Tree(earlier));
        Assert.False(Directory.Exists(fresh) || File.Exists(fresh));
        AssertNoLeftovers();
    }

    [Fact]
    public void Kitti2Bag_OutputInsideTheInputFolder_RefusedBeforeWriting()
    {
        var kitti = CopyFolder(SharedData.Path("data", "kitti", "odometry_07"), "odometry_07");
        var before = Tree(kitti);
        var (code, _, stderr) = CliRunner.Run("kitti2bag", kitti, Path.Combine(kitti, "bag"));
        Assert.Equal(1, code);
        Assert.Contains("lies inside the input", stderr);
        Assert.Equal(before, Tree(kitti));
    }
}
