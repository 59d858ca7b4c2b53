using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Distill.Tests.Commands;

public class BenchCommandTests
{
    [Fact]
    public void Run_FastDepthOneRun_ReportsExportSessionMemoryAndBothRuntimes()
    {
        var o = new StringWriter();
        var e = new StringWriter();

        var code = Program.RunWith(["bench", "--arch", "fastdepth", "--weights", CheckoutModels.DefaultModelPath, "--runs", "1", "--threads", "1"], o, e);

        Assert.True(code == 0, o.ToString() + e.ToString());
        var text = o.ToString();
        Assert.Matches(@"export: \d+\.\d\d s, 5\.\d MB, 123 nodes", text);
        Assert.Matches(@"ONNX Runtime session \(opened and run once at 224x224\): \+-?\d+ MB resident for the first .*, \+-?\d+ MB for a second", text);
        Assert.Matches(@"latency 224x224 batch 1, 1 threads, 1 runs: ONNX Runtime median \d+\.\d\d ms .* TorchSharp eager median \d+\.\d\d ms .* = \d+\.\d\dx", text);
    }

    [Fact]
    public void Run_ZeroRuns_RefusedInOneLine()
    {
        var e = new StringWriter();

        Assert.Equal(2, Program.RunWith(["bench", "--arch", "fastdepth", "--runs", "0"], new StringWriter(), e));
        Assert.Equal("depth-distill bench: option --runs must be an integer >= 1, got 0", e.ToString().Trim());
    }
}
