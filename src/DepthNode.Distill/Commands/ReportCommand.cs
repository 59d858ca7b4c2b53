using System.Globalization;
using DepthNode.CommandLine;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Reports;
using DepthNode.Installation;

namespace DepthNode.Distill.Commands;

/// <summary>
/// `depth-distill report --run &lt;output&gt;`: the charts, time split and before/after grid of a `train` run
/// (which writes the same report when it finishes), into &lt;output&gt;/report/.
/// </summary>
public sealed class ReportCommand : ICommand, IHasValueOptions
{
    public string Name => "report";
    public string Summary => "loss / validation / time charts (PNG) and report.md + report.html with before/after depth of a train run";
    public string Usage => "report --run <train output folder> [--config <yaml>] [--model-before <onnx|card>] [--images <folder>] [--count N]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["run", "config", "model-before", "images", "count"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var run = args.Required("run");
        var configPath = args.Option("config");
        var before = args.Option("model-before");
        var images = args.Option("images");
        var count = args.IntOption("count", 4, min: 0, max: 64, meaning: "before/after rows");
        args.EnsureAllUsed(0);
        if (!Directory.Exists(run)) throw new CliException($"--run {run}: no such folder (the output folder of a `depth-distill train` run)");
        if (images is not null && !Directory.Exists(images)) throw new CliException($"--images {images}: no such folder");
        if (before is not null && !File.Exists(before)) throw new CliException($"--model-before {before} does not exist");

        var config = configPath is null ? null : TrainCommand.LoadConfig(configPath);
        var request = config is null
            ? new ReportRequest(run, null, File.Exists(CheckoutModels.DefaultModelPath) ? CheckoutModels.DefaultModelPath : null, [], [])
            : RunReport.ForTraining(config) with { Run = run };
        request = request with
        {
            BeforeModel = before ?? request.BeforeModel,
            Count = count,
            Bags = images is null ? request.Bags : [],
            Folders = images is null ? request.Folders : [new FolderFrames(images)],
        };
        try
        {
            var result = RunReport.Write(request);
            foreach (var chart in result.Charts) stdout.WriteLine($"wrote {chart}");
            foreach (var row in result.Rows) stdout.WriteLine($"wrote {row.Png} ({row.Frame})");
            if (result.GridNote is { } note) stdout.WriteLine(note);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throughput {result.Time.ImagesPerSecond:F2} images/s; {string.Join(", ", result.Time.Parts.Select(p => $"{p.Part.Split(' ')[0]} {p.Percent:F0}%"))}"));
            stdout.WriteLine($"wrote {result.Markdown} and {result.Html}");
            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or DirectoryNotFoundException or ArgumentException
                                  or FormatException or Bags.BagFormatException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            throw new CliException(e.Message);
        }
    }
}
