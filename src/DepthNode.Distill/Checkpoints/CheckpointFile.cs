using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// A state dict on disk: safetensors (the Distill-Any-Depth, transformers and our students' files) or a PyTorch
/// `torch.save` zip (the official Depth Anything V2 `.pth` files). Tensors are read by TorchSharp.PyBridge in the
/// file's dtype (F32, F16, BF16 ...); callers convert when they copy into a network.
/// </summary>
public static class CheckpointFile
{
    /// <summary>Every tensor of the file by key, on the CPU. The caller owns (disposes) the tensors.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint {path}: file not found");
        return Kind(path) switch
        {
            CheckpointKind.Safetensors => ReadSafetensors(path),
            CheckpointKind.TorchZip => ReadTorchZip(path),
            _ => throw new CheckpointException($"checkpoint {path}: neither safetensors nor a PyTorch zip (torch.save) file"),
        };
    }

    /// <summary>
    /// Key → shape from a safetensors header without reading any tensor (a 1.3 GB file is checked in milliseconds),
    /// or null for a PyTorch zip, whose shapes are only known once it is read.
    /// </summary>
    public static Dictionary<string, long[]>? HeaderShapes(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint {path}: file not found");
        return Kind(path) == CheckpointKind.Safetensors
            ? SafetensorsHeader.Read(path).Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Shape)
            : null;
    }

    /// <summary>Writes tensors as safetensors (in their dtype, keys in the given order).</summary>
    public static void WriteSafetensors(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var ordered = new Dictionary<string, Tensor>();
        foreach (var (k, t) in tensors) ordered[k] = t.device_type == TorchSharp.DeviceType.CPU && t.is_contiguous() ? t : t.cpu().contiguous();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        // Written beside and renamed, so an interrupted save never leaves a truncated checkpoint under the real name.
        var partial = path + ".partial";
        using (var stream = File.Create(partial))
            Safetensors.SaveStateDict(stream, ordered);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Writes a module's state dict (parameters and buffers, detached) as safetensors.</summary>
    public static void WriteStateDict(string path, nn.Module module)
    {
        using var scope = NewDisposeScope();
        WriteSafetensors(path, module.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.detach())));
    }

    /// <summary>
    /// Copies a state dict file into <paramref name="module"/> (converted to its dtypes). The file's keys must be the
    /// module's and the shapes equal; otherwise nothing is copied and the refusal names the file and the first keys.
    /// </summary>
    public static void LoadStateDict(nn.Module module, string path)
    {
        var tensors = Read(path);
        try
        {
            var expected = module.state_dict();
            var missing = expected.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
            var unexpected = tensors.Keys.Where(k => !expected.ContainsKey(k)).ToList();
            var misShaped = expected.Where(kv => tensors.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
                .Select(kv => $"{kv.Key}: file {MisShapedKey.Format(tensors[kv.Key].shape)}, network {MisShapedKey.Format(kv.Value.shape)}").ToList();
            if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
                throw new CheckpointException($"checkpoint {path} does not fit {module.GetType().Name}: " +
                    $"{Few("missing", missing)}, {Few("unexpected", unexpected)}, {Few("mis-shaped", misShaped)}");
            using (no_grad())
                module.load_state_dict(tensors, strict: true);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static string Few(string kind, IReadOnlyList<string> keys) =>
        $"{keys.Count} {kind}" + (keys.Count == 0 ? "" : $" ({string.Join(", ", keys.Take(3))}{(keys.Count > 3 ? $", … {keys.Count - 3} more" : "")})");

    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        var header = SafetensorsHeader.Read(path);
        try
        {
            var tensors = Safetensors.LoadStateDict(path);
            if (tensors.Count != header.Tensors.Count)
                throw new CheckpointException($"checkpoint {path}: {tensors.Count} tensors read, header lists {header.Tensors.Count}");
            return tensors;
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"checkpoint {path}: safetensors read failed: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> ReadTorchZip(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e)
        {
            throw new CheckpointException($"checkpoint {path}: PyTorch file not readable as a state dict: {e.Message.Split('\n')[0]}", e);
        }
        // Training scripts often save {"model": state_dict} or {"state_dict": ...}; one level is unwrapped.
        if (table.Count == 1 && table.Values.Cast<object>().Single() is Hashtable inner) table = inner;
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry e in table)
        {
            if (e.Value is not Tensor t)
                throw new CheckpointException($"checkpoint {path}: entry '{e.Key}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor (not a plain state dict)");
            result[(string)e.Key] = t;
        }
        return result;
    }

    private static CheckpointKind Kind(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using (var s = File.OpenRead(path))
            head = head[..s.ReadAtLeast(head, 9, throwOnEndOfStream: false)];
        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return CheckpointKind.TorchZip;
        if (SafetensorsHeader.Looks(head)) return CheckpointKind.Safetensors;
        // A safetensors file whose header length is corrupt: let the header check say what is wrong.
        return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? CheckpointKind.Safetensors : CheckpointKind.Unknown;
    }

    private enum CheckpointKind { Unknown, Safetensors, TorchZip }
}
