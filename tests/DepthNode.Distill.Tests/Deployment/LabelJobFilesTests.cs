using System.Text.RegularExpressions;
using DepthNode.Distill.Training.Labels;
using DepthNode.Tests;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Distill.Tests.Deployment;

/// <summary>
/// The Kubernetes Jobs and Slurm scripts of docker/distill cannot run here (no cluster). What is checked: the
/// manifests parse, the label Job is Indexed with as many completions as the N of its --shard, the sbatch scripts
/// pass `bash -n` and the array matches N; and every depth-distill command line in them, with the index filled in
/// as Kubernetes or Slurm would, goes through the real CLI's argument parsing up to the point where it opens the
/// config (which lives on the cluster's volume): a misspelt option or a bad shard stops earlier, with another message.
/// </summary>
public partial class LabelJobFilesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("label-job-files-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string DistillFile(string name) => Path.Combine(SharedData.RepoRoot(), "docker", "distill", name);

    private static YamlMappingNode Manifest(string name)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(DistillFile(name))) yaml.Load(reader);
        Assert.Single(yaml.Documents);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    private static string[] Strings(YamlNode node, params string[] path) =>
        ((YamlSequenceNode)At(node, path)).Children.Select(n => ((YamlScalarNode)n).Value!).ToArray();

    /// <summary>
    /// Runs argv through depth-distill in-process and expects it to get as far as reading the config: exit 2 and the
    /// line saying the (cluster-side) config does not exist here.
    /// </summary>
    private static void AssertParsesUpToTheConfig(string[] argv)
    {
        var config = argv[Array.IndexOf(argv, "--config") + 1];
        Assert.False(File.Exists(config), $"{config} exists on this machine; the check relies on it not existing");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.RunWith(argv, stdout, stderr);
        Assert.True(code == 2 && stderr.ToString() == $"depth-distill {argv[0]}: config {config} does not exist\n",
            $"depth-distill {string.Join(' ', argv)} → exit {code}: {stdout}{stderr}");
    }

    private static IEnumerable<YamlMappingNode> Containers(YamlNode job, string list) =>
        At(job, "spec", "template", "spec") is YamlMappingNode pod && pod.Children.TryGetValue(new YamlScalarNode(list), out var c)
            ? ((YamlSequenceNode)c).Children.Cast<YamlMappingNode>()
            : [];

    private static string[] CommandLine(YamlMappingNode container)
    {
        Assert.Equal(["depth-distill"], Strings(container, "command"));
        return Strings(container, "args");
    }

    [Fact]
    public void LabelJob_IsAnIndexedJobWithOneCompletionPerShard()
    {
        var job = Manifest("label-job.yaml");
        Assert.Equal(("batch/v1", "Job"), (Scalar(job, "apiVersion"), Scalar(job, "kind")));
        Assert.Equal("Indexed", Scalar(job, "spec", "completionMode"));
        var completions = int.Parse(Scalar(job, "spec", "completions"));
        var parallelism = int.Parse(Scalar(job, "spec", "parallelism"));
        Assert.InRange(parallelism, 1, completions);
        Assert.Equal("Never", Scalar(job, "spec", "template", "spec", "restartPolicy"));

        var container = Assert.Single(Containers(job, "containers"));
        var args = CommandLine(container);
        var shard = args[Array.IndexOf(args, "--shard") + 1];
        Assert.Equal($"$(JOB_COMPLETION_INDEX)/{completions}", shard);
        // Every pod's command line, with the index Kubernetes puts in JOB_COMPLETION_INDEX.
        for (var i = 0; i < completions; i++)
        {
            var argv = args.Select(a => a.Replace("$(JOB_COMPLETION_INDEX)", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
            Assert.Equal(new ShardSpec(i, completions), ShardSpec.Parse(argv[Array.IndexOf(argv, "--shard") + 1]));
            AssertParsesUpToTheConfig(argv);
        }
        AssertMountsTheDataClaim(job, container);
    }

    [Fact]
    public void TrainJob_MergesTheShardsThenTrainsWithResumeOnTheSameConfig()
    {
        var job = Manifest("train-job.yaml");
        Assert.Equal(("batch/v1", "Job"), (Scalar(job, "apiVersion"), Scalar(job, "kind")));
        var merge = CommandLine(Assert.Single(Containers(job, "initContainers")));
        var train = Assert.Single(Containers(job, "containers"));
        var trainArgs = CommandLine(train);
        Assert.Equal(["label", "--merge"], merge.Where(a => a is "label" or "--merge"));
        Assert.Equal(["train", "--resume"], trainArgs.Where(a => a is "train" or "--resume"));
        AssertParsesUpToTheConfig(merge);
        AssertParsesUpToTheConfig(trainArgs);

        // The same config (so the same caches) as the label Job, on the same volume.
        var label = CommandLine(Assert.Single(Containers(Manifest("label-job.yaml"), "containers")));
        string Config(string[] a) => a[Array.IndexOf(a, "--config") + 1];
        Assert.Equal(Config(label), Config(merge));
        Assert.Equal(Config(label), Config(trainArgs));
        AssertMountsTheDataClaim(job, train);
    }

    private static void AssertMountsTheDataClaim(YamlMappingNode job, YamlMappingNode container)
    {
        var claim = Scalar(Manifest("data-pvc.yaml"), "metadata", "name");
        Assert.Equal("ReadWriteMany", Assert.Single(Strings(Manifest("data-pvc.yaml"), "spec", "accessModes")));
        var volume = ((YamlSequenceNode)At(job, "spec", "template", "spec", "volumes")).Children.Cast<YamlMappingNode>()
            .Single(v => Scalar(v, "persistentVolumeClaim", "claimName") == claim);
        var mount = ((YamlSequenceNode)At(container, "volumeMounts")).Children.Cast<YamlMappingNode>()
            .Single(m => Scalar(m, "name") == Scalar(volume, "name"));
        Assert.Equal(Scalar(container, "workingDir"), Scalar(mount, "mountPath"));
    }

    [Theory]
    [InlineData("label.sbatch")]
    [InlineData("train.sbatch")]
    public void Sbatch_PassesBashSyntaxCheck(string script)
    {
        var (code, stdout, stderr) = ToolProcess.Run("bash", ["-n", DistillFile(script)]);
        Assert.True(code == 0, stdout + stderr);
    }

    /// <summary>
    /// Runs a script with bash as Slurm would (the SLURM_* variables set), with DEPTH_DISTILL pointing at a recorder
    /// that writes each invocation's argv, one argument a line, and returns them.
    /// </summary>
    private List<string[]> RunAsSlurm(string script, IReadOnlyDictionary<string, string> slurm, out (int Code, string Stdout, string Stderr) result)
    {
        var log = Path.Combine(_dir.FullName, "argv-" + Guid.NewGuid().ToString("N"));
        var recorder = Path.Combine(_dir.FullName, "record-argv");
        File.WriteAllText(recorder, $"#!/bin/bash\n{{ printf '%s\\n' \"$@\"; echo '--end--'; }} >> '{log}'\n");
        // Two words, as "apptainer exec image.sif depth-distill" would be: the script splits DEPTH_DISTILL.
        var env = new Dictionary<string, string>(slurm) { ["DEPTH_DISTILL"] = $"bash {recorder}", ["CONFIG"] = "/cluster/fleet/distill.yaml" };
        result = ToolProcess.Run("bash", [DistillFile(script)], env, _dir.FullName);
        if (!File.Exists(log)) return [];
        var lines = File.ReadAllLines(log);
        var calls = new List<string[]>();
        var current = new List<string>();
        foreach (var l in lines)
            if (l == "--end--") { calls.Add([.. current]); current.Clear(); }
            else current.Add(l);
        return calls;
    }

    private static int ArraySize(string script)
    {
        var m = SbatchArray().Match(File.ReadAllText(DistillFile(script)));
        Assert.True(m.Success, $"{script}: no #SBATCH --array=0-M line");
        return int.Parse(m.Groups[1].Value) + 1;
    }

    [Fact]
    public void LabelSbatch_EachArrayTask_LabelsItsOwnShardOfN()
    {
        var n = ArraySize("label.sbatch");
        for (var i = 0; i < n; i++)
        {
            var slurm = new Dictionary<string, string>
            {
                ["SLURM_ARRAY_TASK_ID"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SLURM_ARRAY_TASK_MIN"] = "0",
                ["SLURM_ARRAY_TASK_MAX"] = (n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var calls = RunAsSlurm("label.sbatch", slurm, out var result);
            Assert.True(result.Code == 0, result.Stdout + result.Stderr);
            var argv = Assert.Single(calls);
            Assert.Equal(["label", "--config", "/cluster/fleet/distill.yaml", "--shard", $"{i}/{n}"], argv);
            AssertParsesUpToTheConfig(argv);
        }
    }

    [Fact]
    public void LabelSbatch_ArrayOverriddenToAnotherSize_RefusesBeforeLabelling()
    {
        var n = ArraySize("label.sbatch");
        var slurm = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "0", ["SLURM_ARRAY_TASK_MIN"] = "0", ["SLURM_ARRAY_TASK_MAX"] = (2 * n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var calls = RunAsSlurm("label.sbatch", slurm, out var result);
        Assert.Equal(2, result.Code);
        Assert.Contains($"SHARDS={n} needs --array=0-{n - 1}", result.Stderr);
        Assert.Empty(calls);
    }

    [Fact]
    public void LabelSbatch_OneShardRerunAlone_LabelsThatShardOfN()
    {
        var n = ArraySize("label.sbatch");
        var last = (n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var calls = RunAsSlurm("label.sbatch", new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = last, ["SLURM_ARRAY_TASK_MIN"] = last, ["SLURM_ARRAY_TASK_MAX"] = last }, out var result);
        Assert.True(result.Code == 0, result.Stdout + result.Stderr);
        Assert.Equal($"{n - 1}/{n}", Assert.Single(calls)[^1]);
    }

    [Fact]
    public void TrainSbatch_MergesThenTrainsWithResume()
    {
        var calls = RunAsSlurm("train.sbatch", new Dictionary<string, string>(), out var result);
        Assert.True(result.Code == 0, result.Stdout + result.Stderr);
        Assert.Equal(2, calls.Count);
        Assert.Equal(["label", "--config", "/cluster/fleet/distill.yaml", "--merge"], calls[0]);
        Assert.Equal(["train", "--config", "/cluster/fleet/distill.yaml", "--resume"], calls[1]);
        foreach (var argv in calls) AssertParsesUpToTheConfig(argv);
    }

    [GeneratedRegex(@"^#SBATCH\s+--array=0-(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SbatchArray();
}
