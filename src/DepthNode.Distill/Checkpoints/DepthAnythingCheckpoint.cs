using DepthNode.Distill.Networks.DepthAnything;
using static TorchSharp.torch;

namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// Loads published Depth Anything V2 / Distill-Any-Depth checkpoints (official `.pth` and `.safetensors`, the
/// Distill-Any-Depth large layout, the transformers `*-hf` ports) into <see cref="DepthAnythingNetwork"/>, and saves
/// networks (students) as safetensors. A checkpoint that does not fit is refused with one line saying why.
/// </summary>
public static class DepthAnythingCheckpoint
{
    /// <summary>
    /// Copies every parameter from <paramref name="path"/> into <paramref name="network"/> (converted to the
    /// network's dtype: F16/BF16 files load into a float32 network). Nothing is copied unless everything fits.
    /// </summary>
    public static CheckpointFit Load(DepthAnythingNetwork network, string path)
    {
        var parameters = network.state_dict();
        Dictionary<string, Tensor>? tensors = null;
        try
        {
            var shapes = CheckpointFile.HeaderShapes(path);
            if (shapes is null)
            {
                tensors = CheckpointFile.Read(path);
                shapes = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.shape);
            }
            var fit = Check(network, shapes, path);
            tensors ??= CheckpointFile.Read(path);
            using var noGrad = no_grad();
            foreach (var (key, parameter) in parameters)
            {
                using var scope = NewDisposeScope();
                var sources = fit.Layout.FileKeys(key).Select(k => tensors[k]).ToArray();
                var value = sources.Length == 1 ? sources[0] : cat(sources, 0);
                parameter.copy_(value);
            }
            return fit;
        }
        finally
        {
            foreach (var t in tensors?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
        }
    }

    /// <summary>The fit of a file with the network, or a <see cref="CheckpointException"/> when it does not fit.</summary>
    public static CheckpointFit Check(DepthAnythingNetwork network, IReadOnlyDictionary<string, long[]> fileShapes, string path)
    {
        var layout = DepthAnythingKeyLayout.Detect(fileShapes.Keys)
            ?? throw new CheckpointException(
                $"checkpoint {path}: no known Depth Anything key layout (first keys: {string.Join(", ", fileShapes.Keys.Take(3))}); " +
                "expected pretrained.*/depth_head.*, backbone.blocks.0.N.* or transformers backbone.embeddings.*");
        var networkShapes = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var fit = CheckpointFit.Check(networkShapes, fileShapes, layout);
        if (fit.Fits) return fit;
        var guess = GuessSize(fileShapes, layout);
        var hint = guess is not null && guess != network.Size ? $"; it looks like a {guess.Name} checkpoint" : "";
        throw new CheckpointException($"checkpoint {path} does not fit {network.Size.Name} ({layout.Name}){hint}: {fit.Summary()}");
    }

    /// <summary>
    /// Saves the network as safetensors (float32, in the network's own = the official small/base names unless
    /// another layout is asked for).
    /// </summary>
    public static void Save(DepthAnythingNetwork network, string path, DepthAnythingKeyLayout? layout = null)
    {
        layout ??= DepthAnythingKeyLayout.Official;
        using var scope = NewDisposeScope();
        var fileTensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, parameter) in network.state_dict())
        {
            var names = layout.FileKeys(key);
            var parts = names.Count == 1 ? [parameter.detach()] : parameter.detach().chunk(names.Count, 0);
            for (var i = 0; i < names.Count; i++) fileTensors.Add(new(names[i], parts[i].contiguous()));
        }
        CheckpointFile.WriteSafetensors(path, fileTensors);
    }

    private static DepthAnythingSize? GuessSize(IReadOnlyDictionary<string, long[]> file, DepthAnythingKeyLayout layout)
    {
        var cls = layout.FileKeys("pretrained.cls_token")[0];
        if (!file.TryGetValue(cls, out var clsShape) || clsShape.Length == 0) return null;
        var blocks = 0;
        while (file.ContainsKey(layout.FileKeys($"pretrained.blocks.{blocks}.norm1.weight")[0])) blocks++;
        return DepthAnythingSize.All.FirstOrDefault(s => s.EmbedDim == clsShape[^1] && s.Depth == blocks);
    }
}
