namespace DepthNode.CommandLine;

/// <summary>Dispatches argv to a command and turns every failure into one line on stderr and a non-zero exit.</summary>
public sealed class CommandRunner(string toolName, IReadOnlyList<ICommand> commands)
{
    public int Run(string[] argv, TextWriter stdout, TextWriter stderr)
    {
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
        catch (CliException e)
        {
            stderr.WriteLine($"{toolName} {command.Name}: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException or NotSupportedException)
        {
            // Readers throw their own exception types (derived from IOException or FormatException) whose messages
            // name the file, field and offset; they are the whole report, no stack trace.
            stderr.WriteLine($"{toolName} {command.Name}: {e.Message}");
            return 1;
        }
    }

    private void PrintHelp(TextWriter w)
    {
        w.WriteLine($"usage: {toolName} <command> [options]");
        w.WriteLine();
        foreach (var c in commands) w.WriteLine($"  {c.Name,-10} {c.Summary}");
    }
}

/// <summary>Declares which <c>--options</c> of a command take a value (all others are switches).</summary>
public interface IHasValueOptions
{
    IReadOnlyCollection<string> ValueOptions { get; }
}
