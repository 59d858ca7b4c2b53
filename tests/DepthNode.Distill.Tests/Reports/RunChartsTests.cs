using DepthNode.Distill.Reports;
using DepthNode.Distill.Training;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Reports;

/// <summary>The charts of a run folder whose CSVs were written by the real writers (MetricsLog, HeldOutValidation).</summary>
public sealed class RunChartsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("run-charts-");

    public void Dispose() => _dir.Delete(recursive: true);

    private RunCurves Run(int steps = 200, bool groundTruth = false)
    {
        MetricsCsv.Write(RunCurves.MetricsPath(_dir.FullName), steps);
        var validation = Path.Combine(_dir.FullName, "validation.csv");
        for (var s = 0; s <= steps; s += 50) HeldOutValidation.Append(validation, s, 3, "fastdepth", 0.3 / (1 + s / 50.0));
        if (groundTruth)
            File.WriteAllLines(Path.Combine(_dir.FullName, "ground_truth.csv"),
            [
                "step,dataset,align,frames,abs_rel,delta1,rmse",
                "0,nyu,scale_shift,3,0.21,0.66,0.80", "0,nyu,none,3,0.35,0.41,1.20",
                "100,nyu,scale_shift,3,0.19,0.70,0.75", "100,nyu,none,3,0.33,0.45,1.10",
                "200,nyu,scale_shift,3,0.18,0.72,0.71", "200,nyu,none,3,0.30,0.48,1.05",
            ]);
        return RunCurves.Load(_dir.FullName);
    }

    /// <summary>Decodes the PNG with OpenCV and checks what every chart must have: its size, ink, a title and data drawn in colour.</summary>
    private static void AssertChart(string path, int minColouredPixels)
    {
        using var png = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(png.Empty(), $"{path} is not a PNG OpenCV decodes");
        Assert.Equal((RunCharts.Width, RunCharts.Height), (png.Width, png.Height));
        using var gray = png.CvtColor(ColorConversionCodes.BGR2GRAY);
        Cv2.MeanStdDev(gray, out _, out var stddev);
        Assert.True(stddev.Val0 > 10, $"{path}: grey-level standard deviation {stddev.Val0:F1}: blank");
        // The title's glyphs: dark pixels in the band above the plot area (none without a usable font).
        using var titleBand = new Mat(gray, new Rect(0, 0, png.Width, 35));
        using var dark = new Mat();
        Cv2.Threshold(titleBand, dark, 100, 255, ThresholdTypes.BinaryInv);
        Assert.True(Cv2.CountNonZero(dark) > 100, $"{path}: {Cv2.CountNonZero(dark)} dark pixels in the title band: no text rendered");
        // Data series are drawn in colour; axes, grid and text are grey.
        using var hsv = png.CvtColor(ColorConversionCodes.BGR2HSV);
        using var saturated = new Mat();
        Cv2.InRange(hsv, new Scalar(0, 80, 60), new Scalar(180, 255, 255), saturated);
        Assert.True(Cv2.CountNonZero(saturated) >= minColouredPixels, $"{path}: {Cv2.CountNonZero(saturated)} coloured pixels, expected ≥ {minColouredPixels}");
    }

    [Fact]
    public void Loss_MetricsOfTwoHundredSteps_ChartOfTheSizeWithTitleAndCurves()
    {
        var run = Run();
        var path = Path.Combine(_dir.FullName, "loss.png");

        RunCharts.Loss(run, path);

        AssertChart(path, 3000);
    }

    [Fact]
    public void ValidationAndTime_RealCsvs_ChartsOfTheSizeWithTitleAndData()
    {
        var run = Run();
        var validation = Path.Combine(_dir.FullName, "validation.png");
        var time = Path.Combine(_dir.FullName, "time.png");

        RunCharts.Validation(run.Validation!, validation);
        RunCharts.Time(run, time);

        AssertChart(validation, 300);
        // Stacked bands fill most of the plot area.
        AssertChart(time, 100_000);
    }

    [Fact]
    public void GroundTruth_TwoAlignments_OneSeriesEachAndAChart()
    {
        var run = Run(groundTruth: true);
        var path = Path.Combine(_dir.FullName, "ground_truth.png");

        RunCharts.GroundTruth(run.GroundTruth, path);

        Assert.Equal([("nyu", "scale_shift"), ("nyu", "none")], run.GroundTruth.Select(s => (s.Dataset, s.Align)));
        Assert.Equal([0.21, 0.19, 0.18], run.GroundTruth[0].AbsRel);
        Assert.Equal([0.41, 0.45, 0.48], run.GroundTruth[1].Delta1);
        AssertChart(path, 500);
    }

    [Fact]
    public void Time_OneStep_StackedBarChart()
    {
        var run = Run(steps: 1);
        var path = Path.Combine(_dir.FullName, "time.png");

        RunCharts.Time(run, path);

        AssertChart(path, 5000);
    }
}
