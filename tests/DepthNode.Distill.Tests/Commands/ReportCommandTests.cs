namespace DepthNode.Distill.Tests.Commands;

public sealed class ReportCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("report-command-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Code, string Stdout, string Stderr) Distill(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = Program.RunWith(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Report_FolderWithoutMetricsCsv_OneLineErrorNamingTheFileAndNothingWritten()
    {
        var (code, stdout, stderr) = Distill("report", "--run", _dir.FullName);

        Assert.Equal(1, code);
        Assert.Equal($"depth-distill report: {Path.Combine(_dir.FullName, "metrics.csv")} does not exist: --run must be the output folder of a `depth-distill train` run",
            stderr.Trim());
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "report")));
    }

    [Fact]
    public void Report_MetricsCsvWithoutALossColumn_OneLineErrorNamingTheColumn()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "metrics.csv"), "step,epoch\n1,0\n");

        var (code, _, stderr) = Distill("report", "--run", _dir.FullName);

        Assert.Equal(1, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("metrics.csv:1: no column teacher, loss, shared_context", stderr);
    }

    [Fact]
    public void Report_NoSuchRunFolder_OneLineError()
    {
        var missing = Path.Combine(_dir.FullName, "nope");

        var (code, _, stderr) = Distill("report", "--run", missing);

        Assert.Equal(1, code);
        Assert.Equal($"depth-distill report: --run {missing}: no such folder (the output folder of a `depth-distill train` run)", stderr.Trim());
    }
}
