using DepthNode.CommandLine;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;

namespace DepthNode.Distill.Commands;

/// <summary>
/// `depth-distill label --config &lt;yaml&gt; [--teacher NAME] [--shard i/N] | --merge`: the teachers' pseudo-labels
/// of the configured frames and crops, as the cache `train` reads. A job array runs one shard per index; `--merge`
/// joins the shards into the cache (byte for byte the unsharded run).
/// </summary>
public sealed class LabelCommand : ICommand, IHasValueOptions
{
    public string Name => "label";
    public string Summary => "write the teachers' pseudo-label cache (or one shard of it, --shard i/N; --merge joins shards)";
    public string Usage => "label --config <yaml> [--teacher <name>] [--shard i/N] | label --config <yaml> --merge";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["config", "teacher", "shard"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var configPath = args.Required("config");
        var teacherName = args.Option("teacher");
        var shardText = args.Option("shard");
        var merge = args.Flag("merge");
        args.EnsureAllUsed(0);
        if (merge && shardText is not null) throw new CliException("--merge joins the shards; it takes no --shard", 2);
        ShardSpec shard;
        try { shard = shardText is null ? ShardSpec.Whole : ShardSpec.Parse(shardText); }
        catch (FormatException e) { throw new CliException(e.Message, 2); }
        var config = TrainCommand.LoadConfig(configPath);
        if (teacherName is not null && config.Teachers.All(t => t.Name != teacherName))
            throw new CliException($"--teacher {teacherName}: the config's teachers are {string.Join(", ", config.Teachers.Select(t => t.Name))}", 2);

        try
        {
            if (merge)
            {
                var merged = DistillationRun.MergeShards(config);
                if (merged.Count == 0) throw new CliException("--merge: no label shards found beside the configured caches");
                foreach (var m in merged) stdout.WriteLine($"merged {m}");
                return 0;
            }
            using var run = new DistillationRun(config, stdout);
            foreach (var teacher in run.Teachers.Where(t => teacherName is null || t.Name == teacherName))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var path = run.Label(teacher, shard);
                stdout.WriteLine(FormattableString.Invariant($"teacher {teacher.Name}: wrote {path} (shard {shard}) in {clock.Elapsed.TotalSeconds:F1} s"));
            }
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException
                                  or NotSupportedException or ArgumentException or Inference.ModelCardException or Bags.BagFormatException)
        {
            throw new CliException(e.Message);
        }
    }
}
