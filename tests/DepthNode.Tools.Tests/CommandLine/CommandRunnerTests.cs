using DepthNode.CommandLine;
using DepthNode.Inference;

namespace DepthNode.Tools.Tests.CommandLine;

public class CommandRunnerTests
{
    /// <summary>A command whose body is the given action: stands in for a command with a defect.</summary>
    private sealed class Throwing(Action body) : ICommand
    {
        public string Name => "boom";
        public string Summary => "throws";
        public string Usage => "boom";
        public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
        {
            args.EnsureAllUsed(0);
            body();
            return 0;
        }
    }

    private static (int Code, string Stderr) Run(Action body, params string[] argv)
    {
        var err = new StringWriter();
        var code = new CommandRunner("tool", [new Throwing(body)]).Run(["boom", .. argv], new StringWriter(), err);
        return (code, err.ToString());
    }

    private static void Defect() => throw new InvalidOperationException("Sequence contains no elements\nsecond line");

    [Fact]
    public void Run_UnexpectedException_OneLineNamingItAndExitOne()
    {
        var (code, stderr) = Run(Defect);
        Assert.Equal(1, code);
        Assert.Equal("tool boom: internal error (InvalidOperationException): Sequence contains no elements second line (run again with --verbose for the stack trace)" + Environment.NewLine, stderr);
    }

    [Fact]
    public void Run_UnexpectedExceptionWithVerbose_PrintsTheStackTraceToo()
    {
        var (code, stderr) = Run(Defect, "--verbose");
        Assert.Equal(1, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("tool boom: internal error (InvalidOperationException): Sequence contains no elements second line", lines[0]);
        Assert.Contains(lines, l => l.Contains($"at {typeof(CommandRunnerTests).FullName}.{nameof(Defect)}", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_ExceptionInsideAggregate_ReportsTheInnerOne()
    {
        var (code, stderr) = Run(() => throw new AggregateException(new IOException("disk full")));
        Assert.Equal(1, code);
        Assert.Equal("tool boom: disk full", stderr.Trim());
    }

    [Fact]
    public void Run_CliExceptionExitCode_IsKept()
    {
        var (code, stderr) = Run(() => throw new CliException("bad value", 2));
        Assert.Equal(2, code);
        Assert.Equal("tool boom: bad value", stderr.Trim());
    }

    [Fact]
    public void Run_ModelCardWithBrokenYaml_OneLineNamingFileLineAndColumn()
    {
        var card = Path.Combine(Path.GetTempPath(), $"broken-card-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(card, "name: x\nfile: x.onnx\ninput: [1\n");
        try
        {
            var (code, stderr) = Run(() => ModelCard.Load(card));
            Assert.Equal(1, code);
            var line = stderr.Trim();
            Assert.DoesNotContain('\n', line);
            // The sequence opened on line 3 is never closed: the parser notices at the end of the text (line 4).
            Assert.StartsWith($"tool boom: model card {card} is not valid YAML at line 4, column 1:", line);
        }
        finally { File.Delete(card); }
    }
}
