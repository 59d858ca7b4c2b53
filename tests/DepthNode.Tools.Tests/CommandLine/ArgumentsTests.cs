using DepthNode.CommandLine;

namespace DepthNode.Tools.Tests.CommandLine;

public class ArgumentsTests
{
    [Fact]
    public void Options_RepeatedOption_EveryValueInOrderAndOptionGivesTheLast()
    {
        var args = Arguments.Parse(["--model", "a.onnx", "--data", "d", "--model=b.onnx", "--json", "--model", "c"], ["model", "data"]);

        Assert.Equal(["a.onnx", "b.onnx", "c"], args.Options("model"));
        Assert.Equal("c", args.Option("model"));
        Assert.Equal(["d"], args.Options("data"));
        Assert.Empty(args.Options("run"));
        Assert.True(args.Flag("json"));
        args.EnsureAllUsed(0);
    }

    [Fact]
    public void Options_NotRead_CountsAsUnknown()
    {
        var args = Arguments.Parse(["--model", "a", "--model", "b"], ["model"]);

        var e = Assert.Throws<CliException>(() => args.EnsureAllUsed(0));

        Assert.Equal("unknown option --model", e.Message);
    }
}
