using DepthNode.Cli;

namespace DepthNode.Cli.Tests.Commands;

public class DoctorCommandTests
{
    [Fact]
    public void Doctor_OnSetUpMachine_PassesEveryRequiredCheck()
    {
        var (code, stdout, _) = CliRunner.Run("doctor");
        Assert.True(code == 0, stdout);
        Assert.Contains("[ok  ] onnxruntime", stdout);
        Assert.Contains("[ok  ] opencv", stdout);
        Assert.Contains("[ok  ] default model:", stdout);
        Assert.EndsWith("all required checks passed", stdout.TrimEnd());
    }

    [Fact]
    public void UnknownCommand_ExitsNonZeroWithOneLine()
    {
        var (code, _, stderr) = CliRunner.Run("frobnicate");
        Assert.Equal(2, code);
        Assert.Equal("depthnode: unknown command 'frobnicate' (try 'depthnode --help')", stderr.Trim());
    }

    [Fact]
    public void UnknownOption_IsRejectedNotIgnored()
    {
        var (code, _, stderr) = CliRunner.Run("doctor", "--frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --frobnicate", stderr);
    }
}
