using DepthNode.CommandLine;
using DepthNode.Distill.Commands;

namespace DepthNode.Distill;

public static class Program
{
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new DoctorCommand(),
    ];

    public static int Main(string[] args) => new CommandRunner("depth-distill", Commands).Run(args, Console.Out, Console.Error);
}
