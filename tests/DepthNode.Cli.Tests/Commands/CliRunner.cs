using DepthNode.CommandLine;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>Runs `depthnode` in-process through the same entry point as the executable.</summary>
internal static class CliRunner
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = new CommandRunner("depthnode", Program.Commands).Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
