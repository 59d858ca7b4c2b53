using DepthNode.CommandLine;
using DepthNode.Cli.Commands;

namespace DepthNode.Cli;

public static class Program
{
    /// <summary>Every sub-command, in the order `depthnode --help` lists them.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new DoctorCommand(),
        new RunCommand(),
        new EvalCommand(),
        new BenchCommand(),
        new BagCommand(),
        new Kitti2BagCommand(),
    ];

    public static int Main(string[] args) => new CommandRunner("depthnode", Commands).Run(args, Console.Out, Console.Error);
}
