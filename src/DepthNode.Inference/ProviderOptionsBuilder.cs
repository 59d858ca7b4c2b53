using System.Globalization;

namespace DepthNode.Inference.OnnxRuntime;

/// <summary>
/// Builds the key/value dictionaries ONNX Runtime's GPU providers take. Pure code, so it is unit tested on machines
/// without a GPU; the providers themselves only run on GPU builds (<c>-p:DepthNodeGpu=true</c>).
/// </summary>
public static class ProviderOptionsBuilder
{
    public static string ProviderName(ExecutionProviderKind kind) => kind switch
    {
        ExecutionProviderKind.TensorRt => "TensorrtExecutionProvider",
        ExecutionProviderKind.Cuda => "CUDAExecutionProvider",
        _ => "CPUExecutionProvider",
    };

    /// <summary>Folder name for cached engines: model hash, input shape(s), TensorRT version and precision.</summary>
    public static string EngineCacheKey(string modelSha256, string inputShapes, string tensorRtVersion, bool fp16)
    {
        var shape = new string(inputShapes.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        var version = new string(tensorRtVersion.Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '_').ToArray());
        return $"{modelSha256[..Math.Min(16, modelSha256.Length)]}-{shape}-trt{version}-{(fp16 ? "fp16" : "fp32")}";
    }

    /// <summary>"name:1x3xHxW" as trt_profile_*_shapes expects (NCHW) or "name:1xHxWx3" (NHWC).</summary>
    public static string ProfileShape(ModelInputSpec input, TensorSize size) =>
        input.Layout == TensorLayout.Nchw
            ? string.Create(CultureInfo.InvariantCulture, $"{input.Name}:1x3x{size.Height}x{size.Width}")
            : string.Create(CultureInfo.InvariantCulture, $"{input.Name}:1x{size.Height}x{size.Width}x3");

    /// <param name="expectedInput">The input size the camera will produce (keep-aspect models): the default profile is
    /// exactly that size, so TensorRT builds one engine for it; null: the card's target size.</param>
    public static Dictionary<string, string> TensorRt(ModelCard card, string modelSha256, OnnxModelOptions options, string tensorRtVersion, TensorSize? expectedInput = null)
    {
        var trt = options.TensorRt;
        var target = card.Input.Size.KeepAspect && expectedInput is { } e ? e : new TensorSize(card.Input.Size.Width, card.Input.Size.Height);
        var min = trt.ProfileMin ?? target;
        var opt = trt.ProfileOpt ?? target;
        var max = trt.ProfileMax ?? target;
        if (card.Input.Size.KeepAspect is false && (min != target || opt != target || max != target))
            throw new ArgumentException($"model {card.Name} has a fixed input {target}; optimisation profile sizes must equal it");
        if (min.Width > opt.Width || min.Height > opt.Height || opt.Width > max.Width || opt.Height > max.Height)
            throw new ArgumentException($"optimisation profile needs min <= opt <= max, got {min} / {opt} / {max}");
        var shapes = $"{min}_{opt}_{max}";
        var root = trt.CacheRoot ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "depthnode", "tensorrt");
        var dir = Path.Combine(root, EngineCacheKey(modelSha256, shapes, tensorRtVersion, trt.Fp16));
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = options.DeviceId.ToString(CultureInfo.InvariantCulture),
            ["trt_fp16_enable"] = trt.Fp16 ? "1" : "0",
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = dir,
            ["trt_timing_cache_enable"] = trt.TimingCache ? "1" : "0",
            ["trt_max_workspace_size"] = trt.MaxWorkspaceBytes.ToString(CultureInfo.InvariantCulture),
            ["trt_builder_optimization_level"] = trt.BuilderOptimizationLevel.ToString(CultureInfo.InvariantCulture),
        };
        if (trt.TimingCache) d["trt_timing_cache_path"] = dir;
        if (card.Input.Size.KeepAspect)
        {
            d["trt_profile_min_shapes"] = ProfileShape(card.Input, min);
            d["trt_profile_opt_shapes"] = ProfileShape(card.Input, opt);
            d["trt_profile_max_shapes"] = ProfileShape(card.Input, max);
        }
        return d;
    }

    public static Dictionary<string, string> Cuda(OnnxModelOptions options)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = options.DeviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = options.Cuda.CudnnConvAlgoSearch,
            ["arena_extend_strategy"] = "kSameAsRequested",
            ["do_copy_in_default_stream"] = "1",
        };
        if (options.Cuda.GpuMemoryLimitBytes > 0)
            d["gpu_mem_limit"] = options.Cuda.GpuMemoryLimitBytes.ToString(CultureInfo.InvariantCulture);
        return d;
    }

    /// <summary>TensorRT version from a library file name such as "libnvinfer.so.10.14.1"; null when it is not one.</summary>
    public static string? TensorRtVersionFromLibraryName(string fileName)
    {
        const string prefix = "libnvinfer.so.";
        if (!fileName.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var v = fileName[prefix.Length..];
        return v.Length > 0 && v.All(c => char.IsAsciiDigit(c) || c == '.') && char.IsAsciiDigit(v[0]) ? v : null;
    }

    /// <summary>The most specific libnvinfer version found in LD_LIBRARY_PATH and the usual library folders, or "unknown".</summary>
    public static string DetectTensorRtVersion() => DetectTensorRtVersion(
        (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/lib", "/usr/local/cuda/lib64"]));

    /// <summary>The most specific libnvinfer version found in <paramref name="dirs"/>, or "unknown".</summary>
    public static string DetectTensorRtVersion(IEnumerable<string> dirs)
    {
        string? best = null;
        foreach (var dir in dirs.Where(Directory.Exists))
            foreach (var f in Directory.EnumerateFiles(dir, "libnvinfer.so.*"))
                if (TensorRtVersionFromLibraryName(Path.GetFileName(f)) is { } v && (best is null || v.Length > best.Length)) best = v;
        return best ?? "unknown";
    }
}
