using DepthNode.CommandLine;
using DepthNode.Distill.Commands;

namespace DepthNode.Distill;

public static class Program
{
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new DoctorCommand(),
        new ExportCommand(),
        new BenchCommand(),
        new LabelCommand(),
        new TrainCommand(),
        new EvalCommand(),
        new ReportCommand(),
    ];

    public static int Main(string[] args) => RunWith(args, Console.Out, Console.Error);

    internal static int RunWith(string[] args, TextWriter stdout, TextWriter stderr) =>
        new CommandRunner("depth-distill", Commands).Run(args, stdout, stderr);
}
