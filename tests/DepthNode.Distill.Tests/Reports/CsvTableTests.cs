using DepthNode.Distill.Reports;

namespace DepthNode.Distill.Tests.Reports;

public sealed class CsvTableTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("csv-table-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Load_CsvOfTheRealMetricsLog_EveryColumnReadsBackExactly()
    {
        var path = Path.Combine(_dir.FullName, "metrics.csv");
        var records = MetricsCsv.Write(path, 25);

        var table = CsvTable.Load(path, ["step", "loss"]);

        Assert.Equal(25, table.Count);
        Assert.Equal(records.Select(r => (double)r.Metrics.Step), table.Numbers("step"));
        Assert.Equal(records.Select(r => r.Metrics.Total), table.Numbers("loss"));
        Assert.Equal(records.Select(r => r.Metrics.LocalGlobal), table.Numbers("local_global"));
        Assert.Equal(records.Select(r => r.Metrics.BackwardSeconds), table.Numbers("backward_s"));
        Assert.Equal(records.Select(r => r.TeacherSeconds), table.Numbers("teacher_s"));
        Assert.Equal(records.Select(r => r.Teacher), table.Texts("teacher"));
        Assert.Equal(records.Select(r => r.Images / r.StepSeconds), table.Numbers("images_per_s"));
    }

    [Fact]
    public void Load_MissingColumn_OneErrorNamingFileLineAndColumn()
    {
        var path = Path.Combine(_dir.FullName, "validation.csv");
        File.WriteAllText(path, "step,frames,ssi\n0,1,0.5\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvTable.Load(path, ["step", "teacher", "ssi_l1"]));

        Assert.Equal($"{path}:1: no column teacher, ssi_l1 (header: step,frames,ssi)", e.Message);
    }

    [Fact]
    public void Numbers_FieldThatIsNotANumber_ErrorNamesRowAndColumn()
    {
        var path = Path.Combine(_dir.FullName, "metrics.csv");
        File.WriteAllText(path, "step,loss\n1,0.5\n2,abc\n");

        var e = Assert.Throws<InvalidDataException>(() => CsvTable.Load(path, ["loss"]).Numbers("loss"));

        Assert.Equal($"{path}: row 2 column loss: 'abc' is not a number", e.Message);
    }

    [Fact]
    public void Load_LastLineCutByAKilledRun_EarlierRowsKept()
    {
        var path = Path.Combine(_dir.FullName, "metrics.csv");
        File.WriteAllText(path, "step,loss,grad\n1,0.5,2\n2,0.25,1\n3,0.1");

        var table = CsvTable.Load(path, ["loss"]);

        Assert.Equal([0.5, 0.25], table.Numbers("loss"));
        File.WriteAllText(path, "step,loss,grad\n1,0.5\n2,0.25,1\n");
        Assert.Equal($"{path}:2: 2 fields, the header has 3", Assert.Throws<InvalidDataException>(() => CsvTable.Load(path, ["loss"])).Message);
    }
}
