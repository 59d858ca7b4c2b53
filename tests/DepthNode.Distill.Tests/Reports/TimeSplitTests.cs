using DepthNode.Distill.Reports;

namespace DepthNode.Distill.Tests.Reports;

public sealed class TimeSplitTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("time-split-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Of_MetricsLogCsv_MeansSharesAndThroughputOfTheStepsAfterTheFirst()
    {
        var records = MetricsCsv.Write(RunCurves.MetricsPath(_dir.FullName), 40);

        var split = TimeSplit.Of(RunCurves.Load(_dir.FullName));

        var counted = records.Skip(1).ToList();
        var step = counted.Average(r => r.StepSeconds);
        double[] parts =
        [
            counted.Average(r => r.DataSeconds), counted.Average(r => r.TeacherSeconds),
            counted.Average(r => r.Metrics.ForwardSeconds), counted.Average(r => r.Metrics.BackwardSeconds),
        ];
        double[] expected = [.. parts, step - parts.Sum()];
        Assert.Equal(39, split.StepsCounted);
        Assert.Equal(expected.Length, split.Parts.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], split.Parts[i].MeanSeconds, 1e-12);
            Assert.Equal(100 * expected[i] / step, split.Parts[i].Percent, 1e-9);
        }
        Assert.Equal(step, split.Step.MeanSeconds, 1e-12);
        Assert.Equal(counted.Sum(r => r.Images) / counted.Sum(r => r.StepSeconds), split.ImagesPerSecond, 1e-9);
    }
}
