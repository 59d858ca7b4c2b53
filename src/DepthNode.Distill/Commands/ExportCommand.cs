using System.Globalization;
using DepthNode.CommandLine;
using DepthNode.Distill.Export;
using DepthNode.Distill.Networks;
using DepthNode.Inference;

namespace DepthNode.Distill.Commands;

/// <summary>`depth-distill export`: a TorchSharp network (trained, loaded or seeded random) to ONNX + model card for the node.</summary>
public sealed class ExportCommand : ICommand, IHasValueOptions
{
    /// <summary>float32 exports must reproduce TorchSharp to this relative L2 error.</summary>
    public const double Float32Tolerance = 1e-4;

    public string Name => "export";
    public string Summary => "write a network as ONNX with its model card (for `depthnode run --model`); --check compares with TorchSharp";
    public string Usage => $"export --arch {string.Join("|", DepthArchitectures.All.Select(a => a.Name))} [--weights <file>] --out <y.onnx> " +
        "[--fp16] [--check] [--images <folder of real photos for --check>] [--seed N]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["arch", "weights", "out", "images", "seed"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var archName = args.Required("arch");
        var weights = args.Option("weights");
        var outPath = args.Required("out");
        var fp16 = args.Flag("fp16");
        var check = args.Flag("check");
        var images = args.Option("images");
        var seed = args.IntOption("seed", 0);
        args.EnsureAllUsed(0);

        DepthArchitecture arch;
        try { arch = DepthArchitectures.Find(archName); }
        catch (ArgumentException e) { throw new CliException($"--arch: {e.Message}", 2); }
        if (!outPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) throw new CliException($"--out {outPath}: the file name must end in .onnx", 2);
        if (weights is not null && !File.Exists(weights)) throw new CliException($"--weights {weights} does not exist");
        // The check images are resolved before the (possibly long) export so a typo fails at once.
        var checkImages = check || fp16 ? CheckImages(images) : [];

        var network = weights is null ? arch.CreateRandom(seed) : arch.Load(weights);
        string[] provenance;
        if (weights is null)
        {
            var warning = $"WARNING: no --weights given: {arch.Name} has SEEDED RANDOM weights (seed {seed}); its depth is meaningless";
            stderr.WriteLine(warning);
            stdout.WriteLine(warning);
            provenance = [warning];
        }
        else provenance = [$"weights: {Path.GetFullPath(weights)}"];

        using (network)
        {
            var precision = fp16 ? OnnxPrecision.Float16 : OnnxPrecision.Float32;
            var result = DepthNetworkExporter.Export(arch, network, outPath, precision, provenance);
            stdout.WriteLine(FormattableString.Invariant(
                $"wrote {result.OnnxPath} ({result.Bytes / 1e6:F1} MB, {result.Nodes} nodes, {precision}) and {result.CardPath} in {result.Elapsed.TotalSeconds:F2} s"));
            if (checkImages.Count == 0) return 0;

            var failed = false;
            foreach (var size in arch.CheckSizes)
            {
                var r = ExportCheck.Run(network, result.Card, checkImages, size);
                if (r.ReferenceMax == 0)
                    stdout.WriteLine($"WARNING: the TorchSharp output is zero everywhere at {size} (seeded random weights under the final ReLU?): this check compares nothing");
                var ok = fp16 || r.RelativeL2 <= Float32Tolerance;
                failed |= !ok;
                stdout.WriteLine(FormattableString.Invariant(
                    $"check {size} ({r.Images} images): TorchSharp float32 vs ONNX Runtime {precision}: max |diff| {r.MaxAbs:E2} (output max {r.ReferenceMax:G4}), relative L2 {r.RelativeL2:E2}") +
                    (fp16 ? " (half-precision error)" : ok ? $" <= {Float32Tolerance:E0} ok" : $" > {Float32Tolerance:E0} FAILED"));
            }
            if (failed) throw new CliException($"{outPath}: ONNX Runtime does not reproduce the TorchSharp network (relative L2 above {Float32Tolerance:E0})");
            return 0;
        }
    }

    /// <summary>--images, else the shared NYU frames beside the repository (the project's real test images).</summary>
    internal static IReadOnlyList<string> CheckImages(string? folder)
    {
        folder ??= DefaultImageFolder()
            ?? throw new CliException("--check needs real images: --images <folder of .jpg/.png> (../shared/data/nyu was not found)", 2);
        if (!Directory.Exists(folder)) throw new CliException($"--images {folder} is not a folder");
        var files = Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Where(f => !Path.GetFileName(f).Contains("depth", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(2).ToList();
        return files.Count > 0 ? files : throw new CliException($"--images {folder} holds no .jpg or .png photos");
    }

    private static string? DefaultImageFolder()
    {
        var env = Environment.GetEnvironmentVariable("DEPTHNODE_SHARED");
        if (!string.IsNullOrEmpty(env)) return Path.Combine(env, "data", "nyu");
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "data", "nyu");
            if (Directory.Exists(candidate)) return candidate;
        }
        var cwd = Path.Combine(Directory.GetCurrentDirectory(), "..", "shared", "data", "nyu");
        return Directory.Exists(cwd) ? Path.GetFullPath(cwd) : null;
    }
}
