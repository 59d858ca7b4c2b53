namespace DepthNode.CommandLine;

/// <summary>One `depthnode` sub-command. Commands write results to <c>stdout</c> and diagnostics to <c>stderr</c>,
/// return the process exit code, and report bad input by throwing <see cref="CliException"/> (or the reader's own
/// exception type), which <see cref="CommandRunner"/> turns into one line and a non-zero exit.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    string Usage { get; }
    int Run(Arguments args, TextWriter stdout, TextWriter stderr);
}

/// <summary>A user-facing error: bad arguments, missing files, unreadable input. The message is the whole report.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
