using System.Runtime.InteropServices;
using DepthNode.CommandLine;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Config;

namespace DepthNode.Distill.Commands;

/// <summary>
/// `depth-distill train --config &lt;yaml&gt; [--resume] [--stop-at N]`: cross-context distillation of the student
/// from the configured teachers; Ctrl-C (SIGINT) or SIGTERM finishes the step in flight and saves a checkpoint.
/// </summary>
public sealed class TrainCommand : ICommand, IHasValueOptions
{
    public string Name => "train";
    public string Summary => "distil a student from teachers on bags / image folders (checkpoints, --resume, metrics.csv, ONNX export at the end)";
    public string Usage => "train --config <yaml> [--resume] [--stop-at <step>]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["config", "stop-at"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var configPath = args.Required("config");
        var resume = args.Flag("resume");
        var stopAt = args.Option("stop-at") is null ? (long?)null : args.IntOption("stop-at", 0, min: 1);
        args.EnsureAllUsed(0);
        var config = LoadConfig(configPath);

        var stop = false;
        void OnSignal(PosixSignalContext context)
        {
            if (stop) return; // a second signal takes the default action
            context.Cancel = true;
            stop = true;
            stderr.WriteLine($"{context.Signal}: finishing the current step, then saving a checkpoint (again to abort)");
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            using var run = new DistillationRun(config, stdout);
            var result = run.Train(resume, stopAt, () => stop);
            return result.Finished || stopAt == result.Step ? 0 : 130;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException
                                  or NotSupportedException or ArgumentException or Inference.ModelCardException or Bags.BagFormatException)
        {
            throw new CliException(e.Message);
        }
    }

    internal static TrainConfig LoadConfig(string path)
    {
        try { return TrainConfig.Load(path); }
        catch (ConfigException e) { throw new CliException(e.Message, 2); }
        catch (FileNotFoundException e) { throw new CliException(e.Message, 2); }
    }
}
