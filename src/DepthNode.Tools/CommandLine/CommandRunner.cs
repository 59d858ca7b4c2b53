namespace DepthNode.CommandLine;

/// <summary>Dispatches argv to a command and turns every failure into one line on stderr and a non-zero exit.</summary>
public sealed class CommandRunner(string toolName, IReadOnlyList<ICommand> commands)
{
    /// <summary>Prints the stack trace of an unexpected failure; accepted by every command, anywhere on the line.</summary>
    public const string VerboseFlag = "--verbose";

    public int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
        var verbose = argv.Contains(VerboseFlag);
        if (verbose) argv = argv.Where(a => a != VerboseFlag).ToArray();
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            PrintHelp(stdout);
            return argv.Length == 0 ? 2 : 0;
        }
        var command = commands.FirstOrDefault(c => c.Name == argv[0]);
        if (command is null)
        {
            stderr.WriteLine($"{toolName}: unknown command '{argv[0]}' (try '{toolName} --help')");
            return 2;
        }
        if (argv.Skip(1).Any(a => a is "-h" or "--help"))
        {
            stdout.WriteLine($"usage: {toolName} {command.Usage}");
            stdout.WriteLine(command.Summary);
            return 0;
        }
        try
        {
            IReadOnlyCollection<string> valueOptions = command is IHasValueOptions v ? v.ValueOptions : [];
            return command.Run(Arguments.Parse(argv[1..], valueOptions), stdout, stderr);
        }
        catch (Exception e)
        {
            return Report(command.Name, e, verbose, stderr);
        }
    }

    /// <summary>
    /// The last line of defence: whatever a command throws becomes one line on stderr and a non-zero exit, so a user
    /// never sees a stack trace unless they ask for it with <c>--verbose</c>.
    /// </summary>
    private int Report(string commandName, Exception e, bool verbose, TextWriter stderr)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is not null)
            e = e.InnerException!;
        var exitCode = e is CliException cli ? cli.ExitCode : 1;
        // CliException and the readers' own exception types (derived from IOException or FormatException) carry
        // messages that name the file, field and offset: they are the whole report. Anything else is a defect in
        // this program, so the line says which exception it was.
        var expected = e is CliException or IOException or InvalidDataException or UnauthorizedAccessException or FormatException or NotSupportedException;
        var message = OneLine(e.Message);
        stderr.WriteLine(expected
            ? $"{toolName} {commandName}: {message}"
            : $"{toolName} {commandName}: internal error ({e.GetType().Name}): {message}{(verbose ? "" : $" (run again with {VerboseFlag} for the stack trace)")}");
        if (verbose) stderr.WriteLine(e.ToString());
        return exitCode == 0 ? 1 : exitCode;
    }

    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private void PrintHelp(TextWriter w)
    {
        w.WriteLine($"usage: {toolName} <command> [options]");
        w.WriteLine();
        foreach (var c in commands) w.WriteLine($"  {c.Name,-10} {c.Summary}");
        w.WriteLine();
        w.WriteLine($"  {VerboseFlag,-10} (with any command) print the stack trace of an unexpected error");
    }
}

/// <summary>Declares which <c>--options</c> of a command take a value (all others are switches).</summary>
public interface IHasValueOptions
{
    IReadOnlyCollection<string> ValueOptions { get; }
}
