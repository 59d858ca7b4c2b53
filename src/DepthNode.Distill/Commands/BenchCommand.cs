using System.Diagnostics;
using DepthNode.CommandLine;
using DepthNode.Distill.Export;
using DepthNode.Distill.Networks;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using TorchSharp;

namespace DepthNode.Distill.Commands;

/// <summary>
/// `depth-distill bench`: one network, one run of the same process, on the same real input: export time, memory an
/// ONNX Runtime session adds, and CPU latency of ONNX Runtime against TorchSharp eager (both through
/// <see cref="IDepthNetwork"/>, so both include copying the batch in and the depth out).
/// </summary>
public sealed class BenchCommand : ICommand, IHasValueOptions
{
    public string Name => "bench";
    public string Summary => "CPU latency ONNX Runtime vs TorchSharp eager, ONNX Runtime session memory, export time";
    public string Usage => "bench --arch <name> [--weights <file>] [--runs N] [--threads N] [--images <folder>] [--seed N]";
    public IReadOnlyCollection<string> ValueOptions { get; } = ["arch", "weights", "runs", "threads", "images", "seed"];

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var archName = args.Required("arch");
        var weights = args.Option("weights");
        var runs = args.IntOption("runs", 20, min: 1);
        var threads = args.IntOption("threads", Environment.ProcessorCount, min: 1);
        var images = ExportCommand.CheckImages(args.Option("images"));
        var seed = args.IntOption("seed", 0, min: 0);
        args.EnsureAllUsed(0);
        DepthArchitecture arch;
        try { arch = DepthArchitectures.Find(archName); }
        catch (ArgumentException e) { throw new CliException($"--arch: {e.Message}", 2); }

        torch.set_num_threads(threads);
        using var network = weights is null ? arch.CreateRandom(seed) : arch.Load(weights);
        if (weights is null) stdout.WriteLine($"weights: seeded random (seed {seed}); latency does not depend on them");
        var dir = Directory.CreateTempSubdirectory("depth-distill-bench-");
        try
        {
            var export = DepthNetworkExporter.Export(arch, network, Path.Combine(dir.FullName, arch.Name + ".onnx"), OnnxPrecision.Float32, []);
            stdout.WriteLine(FormattableString.Invariant($"export: {export.Elapsed.TotalSeconds:F2} s, {export.Bytes / 1e6:F1} MB, {export.Nodes} nodes"));

            var (first, firstMb) = OpenMeasured(export.Card, threads, arch.CheckSizes[0], images);
            var (second, secondMb) = OpenMeasured(export.Card, threads, arch.CheckSizes[0], images);
            second.Dispose();
            stdout.WriteLine(FormattableString.Invariant(
                $"ONNX Runtime session (opened and run once at {arch.CheckSizes[0]}): +{firstMb:F0} MB resident for the first (with runtime start-up), +{secondMb:F0} MB for a second"));

            using (first)
            using (var eager = new TorchDepthNetwork(network, export.Card))
            {
                foreach (var size in arch.CheckSizes)
                {
                    var input = NetworkInputs.Load(images.Take(1).ToList(), export.Card.Input, size);
                    for (var i = 0; i < 3; i++) { first.Predict(input); eager.Predict(input); }
                    var ort = new double[runs];
                    var ts = new double[runs];
                    for (var i = 0; i < runs; i++)
                    {
                        // Alternated so both see the same machine load.
                        var sw = Stopwatch.StartNew();
                        first.Predict(input);
                        ort[i] = sw.Elapsed.TotalMilliseconds;
                        sw.Restart();
                        eager.Predict(input);
                        ts[i] = sw.Elapsed.TotalMilliseconds;
                    }
                    Array.Sort(ort);
                    Array.Sort(ts);
                    var (mo, mt) = (ort[runs / 2], ts[runs / 2]);
                    stdout.WriteLine(FormattableString.Invariant(
                        $"{LoadAverage()}latency {size} batch 1, {threads} threads, {runs} runs: ONNX Runtime median {mo:F2} ms (min {ort[0]:F2}), TorchSharp eager median {mt:F2} ms (min {ts[0]:F2}); TorchSharp / ONNX Runtime = {mt / mo:F2}x"));
                }
            }
            return 0;
        }
        finally { dir.Delete(recursive: true); }
    }

    // Other processes on the machine change every latency; the load is printed with them so runs can be compared.
    private static string LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return $"[load average {first} on {Environment.ProcessorCount} cores] ";
        }
        catch (IOException) { return ""; }
    }

    /// <summary>Opens a session and runs it once; returns it with the growth of the process's resident memory.</summary>
    private static (OnnxDepthNetwork Network, double Megabytes) OpenMeasured(ModelCard card, int threads, TensorSize size, IReadOnlyList<string> images)
    {
        var input = NetworkInputs.Load(images.Take(1).ToList(), card.Input, size);
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var network = new OnnxDepthNetwork(card, threads);
        network.Predict(input);
        process.Refresh();
        return (network, (process.WorkingSet64 - before) / 1e6);
    }
}
