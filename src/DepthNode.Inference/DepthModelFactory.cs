using DepthNode.Models;
using DepthNode.NodeLogic;

namespace DepthNode.Inference.OnnxRuntime;

/// <summary>Opens the network a node configuration names, with the execution providers and caches it asks for.</summary>
public static class DepthModelFactory
{
    /// <summary>
    /// A card or .onnx path; relative paths that do not exist as given resolve against <paramref name="modelDirectory"/>
    /// (by default the node's <see cref="ModelStore.Directory"/>; tools run from a checkout pass theirs).
    /// </summary>
    public static string ResolvePath(string model, string? modelDirectory = null)
    {
        if (File.Exists(model) || Path.IsPathRooted(model)) return model;
        var inStore = Path.Combine(modelDirectory ?? ModelStore.Directory, model);
        return File.Exists(inStore) ? inStore : model;
    }

    /// <param name="warmupImageSize">The camera image size the node will see (e.g. a bag's first frame), so a network
    /// whose input follows the image's aspect ratio warms up at the size it will run at; null: the card's size.</param>
    public static OnnxModelOptions OptionsFor(DepthNodeOptions options, int? threads = null, TensorSize? warmupImageSize = null) => new()
    {
        WarmupImageSize = warmupImageSize,
        Providers = options.ExecutionProviders.Select(p => p switch
        {
            "tensorrt" => ExecutionProviderKind.TensorRt,
            "cuda" => ExecutionProviderKind.Cuda,
            _ => ExecutionProviderKind.Cpu,
        }).ToArray(),
        TensorRt = new TensorRtOptions(Fp16: options.TensorRtFp16, CacheRoot: ExpandHome(options.EngineCacheDir)),
        IntraOpThreads = threads ?? options.IntraOpThreads,
    };

    public static OnnxDepthModel Open(DepthNodeOptions options, Action<string> log, int? threads = null, ModelCard? card = null,
        string? modelDirectory = null, TensorSize? warmupImageSize = null)
    {
        card ??= ModelCard.LoadFor(ResolvePath(options.Model, modelDirectory));
        return new OnnxDepthModel(card, OptionsFor(options, threads, warmupImageSize), log);
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}
