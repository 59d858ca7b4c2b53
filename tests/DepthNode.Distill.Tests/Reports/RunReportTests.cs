using System.Globalization;
using System.Text.RegularExpressions;
using DepthNode.Distill.Reports;
using DepthNode.Installation;
using DepthNode.Tests;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Reports;

/// <summary>
/// A real `depth-distill train` run, once for the class: four steps of FastDepth distilled from itself on 7-Scenes
/// frames (learning rates high enough to move it), validated on two NYU frames; train writes the report at its end.
/// </summary>
public sealed class TinyTrainingRun : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("run-report-");

    public TinyTrainingRun()
    {
        Config = Path.Combine(_dir.FullName, "tiny.yaml");
        Output = Path.Combine(_dir.FullName, "out");
        File.WriteAllText(Config, $"""
            seed: 5
            output: {Output}
            data:
              folders:
                - path: {SharedData.Path("data", "7scenes_redkitchen")}
                  pattern: "*.color.jpg"
                  stride: 25
            teachers:
              - name: fastdepth
                onnx: {CheckoutModels.DefaultModelPath}
            student:
              arch: fastdepth
              init: {CheckoutModels.DefaultModelPath}
            crop:
              patch_count: 1
            optimizer:
              encoder_lr: 1e-4
              decoder_lr: 1e-3
            training:
              steps: 4
              batch: 1
              checkpoint_every: 4
              log_every: 1
            validation:
              every: 2
              folders:
                - path: {SharedData.Path("data", "nyu")}
                  pattern: "rgb_00?00.jpg"
            """);
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = Program.RunWith(["train", "--config", Config], o, e);
        Log = o.ToString();
        if (code != 0) throw new InvalidOperationException($"the tiny training run failed ({code}): {o}{e}");
    }

    public string Config { get; }
    public string Output { get; }
    public string Log { get; }
    public string Folder => RunReport.Folder(Output);

    public void Dispose() => _dir.Delete(recursive: true);
}

public sealed partial class RunReportTests(TinyTrainingRun run) : IClassFixture<TinyTrainingRun>
{
    [Fact]
    public void Train_TinyRun_ReportWrittenWithEveryLinkedFilePresent()
    {
        var md = File.ReadAllText(Path.Combine(run.Folder, "report.md"));
        var html = File.ReadAllText(Path.Combine(run.Folder, "report.html"));

        Assert.Contains($"report: {Path.Combine(run.Folder, "report.md")} (3 charts, 2 before/after rows)", run.Log);
        var mdLinks = MarkdownImage().Matches(md).Select(m => m.Groups[1].Value).ToList();
        var htmlLinks = HtmlImage().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["loss.png", "validation.png", "time.png", "before_after/row-0.png", "before_after/row-1.png"], mdLinks);
        Assert.Equal(mdLinks, htmlLinks);
        foreach (var link in mdLinks)
        {
            using var png = Cv2.ImRead(Path.Combine(run.Folder, link));
            Assert.False(png.Empty(), link);
        }
        // The real metrics.csv of the run: four steps, one teacher; the time table and the throughput line are there.
        var curves = RunCurves.Load(run.Output);
        Assert.Equal([1.0, 2, 3, 4], curves.Steps);
        Assert.Equal(["fastdepth", "fastdepth", "fastdepth", "fastdepth"], curves.Metrics.Texts("teacher"));
        Assert.Contains("| part | mean s / step | % of step |", md);
        Assert.Contains("| whole step |", md);
        Assert.Matches(@"throughput \*\*\d+\.\d\d images/s\*\*", md);
        Assert.Contains("| seed, steps, batch | 5, 4, 1 |", md);
        Assert.Contains("<table>", html);
    }

    [Fact]
    public void BeforeAfter_TinyRun_PanelsAreTheTwoNetworksOutputsUnderOneSharedPercentileRange()
    {
        var md = File.ReadAllText(Path.Combine(run.Folder, "report.md"));
        var row = RangeRow().Match(md);
        Assert.True(row.Success, md);
        Assert.EndsWith("rgb_00000.jpg", row.Groups[1].Value);
        var (lo, hi) = (Parse(row.Groups[2].Value), Parse(row.Groups[3].Value));
        Assert.Equal((row.Groups[2].Value, row.Groups[3].Value), (row.Groups[4].Value, row.Groups[5].Value));

        var image = SharedData.Path("data", "nyu", "rgb_00000.jpg");
        var before = Depth(CheckoutModels.DefaultModelPath, image);
        var after = Depth(Path.Combine(run.Output, "student.onnx"), image);

        // The shared range is the 2nd–98th percentile of both maps together (the colouriser's histogram: ~1 % off).
        var both = before.Concat(after).Where(d => d > 0 && float.IsFinite(d)).ToArray();
        Assert.InRange(both.Count(d => d < lo) / (double)both.Length, 0.01, 0.03);
        Assert.InRange(both.Count(d => d > hi) / (double)both.Length, 0.01, 0.03);

        using var png = Cv2.ImRead(Path.Combine(run.Folder, "before_after", "row-0.png"), ImreadModes.Color);
        Assert.Equal((3 * 224, 224), (png.Width, png.Height));
        var (beforeError, afterError, apart) = (0, 0, 0);
        var samples = 0;
        for (var y = 8; y < 224; y += 16)
            for (var x = 8; x < 224; x += 16)
            {
                var i = y * 224 + x;
                var (expectBefore, expectAfter) = (Index(before[i], lo, hi), Index(after[i], lo, hi));
                beforeError = Math.Max(beforeError, Math.Abs(NearestTurbo(png.At<Vec3b>(y, 224 + x)) - expectBefore));
                afterError = Math.Max(afterError, Math.Abs(NearestTurbo(png.At<Vec3b>(y, 448 + x)) - expectAfter));
                apart += Math.Abs(expectBefore - expectAfter);
                samples++;
            }
        // The node's area filter vs OpenCV's INTER_AREA: inputs close, not bit-equal, so a colour index or two apart.
        Assert.True(beforeError <= 3, $"before panel: colour index off by up to {beforeError}");
        Assert.True(afterError <= 3, $"after panel: colour index off by up to {afterError}");
        // Training moved the student: a swapped or duplicated panel would fail the two checks above.
        Assert.True(apart / (double)samples > 5, $"before and after differ by {apart / (double)samples:F1} colour indices on average");
    }

    [Fact]
    public void Report_CommandWithImagesAndCount_ThatManyRowsOfThoseImages()
    {
        // A copy of the run's files, so the train-time report the other tests read stays as it is.
        var copy = Directory.CreateTempSubdirectory("run-report-copy-");
        try
        {
            foreach (var f in new[] { "metrics.csv", "validation.csv", "student.onnx", "student.yaml" })
                File.Copy(Path.Combine(run.Output, f), Path.Combine(copy.FullName, f));
            var (o, e) = (new StringWriter(), new StringWriter());
            var sun3d = SharedData.Path("data", "sun3d_fragment1");

            var code = Program.RunWith(["report", "--run", copy.FullName, "--images", sun3d, "--count", "3",
                "--model-before", CheckoutModels.DefaultModelPath], o, e);

            Assert.True(code == 0, o.ToString() + e);
            var folder = RunReport.Folder(copy.FullName);
            var md = File.ReadAllText(Path.Combine(folder, "report.md"));
            Assert.Equal(3, Regex.Matches(md, @"!\[row \d: file:[^\]]*sun3d_fragment1/frame-\d+\.color\.png\]").Count);
            Assert.Equal(3, Directory.GetFiles(Path.Combine(folder, "before_after"), "row-*.png").Length);
            Assert.Contains($"wrote {Path.Combine(folder, "report.md")} and {Path.Combine(folder, "report.html")}", o.ToString());
            // Without --config the run summary has only what the CSVs say.
            Assert.DoesNotContain("| seed, steps, batch |", md);
            Assert.Contains("| teacher drawn per step | fastdepth ×4 |", md);

            // Again with fewer rows: the rows of the first report are gone, not left unlinked.
            Assert.Equal(0, Program.RunWith(["report", "--run", copy.FullName, "--images", sun3d, "--count", "1"], o, e));
            Assert.Equal(["row-0.png"], Directory.GetFiles(Path.Combine(folder, "before_after")).Select(Path.GetFileName));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>The reference: OpenCV reads and area-resizes the frame to 224×224, ONNX Runtime runs the network.</summary>
    private static float[] Depth(string onnx, string image)
    {
        using var bgr = Cv2.ImRead(image, ImreadModes.Color);
        using var small = bgr.Resize(new Size(224, 224), 0, 0, InterpolationFlags.Area);
        small.GetArray(out Vec3b[] px);
        var input = new DenseTensor<float>([1, 3, 224, 224]);
        for (var i = 0; i < px.Length; i++)
            for (var c = 0; c < 3; c++) input.Buffer.Span[c * px.Length + i] = px[i][2 - c] / 255f;
        using var session = new InferenceSession(onnx);
        using var output = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input)]);
        return output.First().AsEnumerable<float>().ToArray();
    }

    private static int Index(float depth, double lo, double hi) => (int)Math.Round(Math.Clamp((depth - lo) / (hi - lo), 0, 1) * 255);

    /// <summary>Turbo as Google published it (degree-5 polynomials per channel), written out here as the reference.</summary>
    private static readonly (double R, double G, double B)[] Turbo = Enumerable.Range(0, 256).Select(i =>
    {
        var t = i / 255.0;
        double P(params double[] c) => Math.Clamp(c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5])))), 0, 1) * 255;
        return (P(0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943),
                P(0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604),
                P(0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973));
    }).ToArray();

    private static int NearestTurbo(Vec3b bgr) =>
        Enumerable.Range(0, 256).MinBy(i => Math.Pow(Turbo[i].R - bgr.Item2, 2) + Math.Pow(Turbo[i].G - bgr.Item1, 2) + Math.Pow(Turbo[i].B - bgr.Item0, 2));

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex MarkdownImage();

    [GeneratedRegex("<img src=\"([^\"]+)\"")]
    private static partial Regex HtmlImage();

    [GeneratedRegex(@"\| 0 \| `([^`]+)` \| ([\d.E+-]+) – ([\d.E+-]+) \| ([\d.E+-]+) – ([\d.E+-]+) \|")]
    private static partial Regex RangeRow();
}
