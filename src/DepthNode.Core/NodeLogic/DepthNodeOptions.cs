using System.Globalization;
using DepthNode.Camera;
using DepthNode.Depth;
using YamlDotNet.RepresentationModel;

namespace DepthNode.NodeLogic;

public enum CameraInfoSyncMode { Exact, Approximate, CacheLatest }

/// <summary>
/// Every parameter of the depth node, declared once with its default (depth_image_proc style). Loaded from a ROS 2
/// params file (<c>depth_node: ros__parameters: {...}</c>); unknown keys are errors, not silently ignored, so a typo
/// in a launch file is caught at start.
/// </summary>
public sealed record DepthNodeOptions
{
    // Inputs
    public string ImageTopic { get; init; } = "/camera/image_raw";
    /// <summary>Topic of sensor_msgs/CompressedImage; used when the bag or camera publishes compressed frames.</summary>
    public string CompressedImageTopic { get; init; } = "/camera/image_raw/compressed";
    public string CameraInfoTopic { get; init; } = "/camera/camera_info";
    public CameraInfoSyncMode SyncMode { get; init; } = CameraInfoSyncMode.CacheLatest;
    /// <summary>Largest stamp difference accepted in approximate mode.</summary>
    public double SyncSlopMs { get; init; } = 20;
    /// <summary>Overrides the input's frame_id when non-empty (for cameras that publish an empty or non-optical frame).</summary>
    public string FrameId { get; init; } = "";
    /// <summary>Which CameraInfo matrix projects depth to points: P for rectified input (image_rect, the default, as
    /// depth_image_proc), K for unrectified input (lens distortion is not applied: rectify upstream for exact clouds).</summary>
    public IntrinsicsSource Intrinsics { get; init; } = IntrinsicsSource.Projection;
    /// <summary>Frames waiting for inference; 1 = always process the newest frame and drop stale ones.</summary>
    public int QueueSize { get; init; } = 1;

    // Model
    /// <summary>Model card (YAML) or .onnx path; relative paths resolve against the models directory.</summary>
    public string Model { get; init; } = "fastdepth_7.yaml";
    public IReadOnlyList<string> ExecutionProviders { get; init; } = ["tensorrt", "cuda", "cpu"];
    public bool TensorRtFp16 { get; init; } = true;
    public string EngineCacheDir { get; init; } = "~/.cache/depthnode/tensorrt";
    public int IntraOpThreads { get; init; } = 0;

    // Metric scale
    public MetricSource MetricSource { get; init; } = MetricSource.Model;
    public double FixedScale { get; init; } = 1.0;
    public double FixedShift { get; init; } = 0.0;
    public string SparseDepthTopic { get; init; } = "/lidar/depth";
    public double CameraHeightM { get; init; } = 1.65;
    public double CameraPitchRad { get; init; } = 0.0;

    // Outputs
    public string OutputNamespace { get; init; } = "/depth";
    /// <summary>Published resolution as a fraction of the camera's (0 &lt; s ≤ 1), with a CameraInfo rescaled to match:
    /// a smaller depth image and cloud for consumers that do not need every pixel.</summary>
    public double OutputScale { get; init; } = 1.0;
    public bool PublishDepth { get; init; } = true;
    /// <summary>32FC1 (metres, NaN invalid; REP 118 canonical) or 16UC1 (millimetres, 0 invalid).</summary>
    public string DepthEncoding { get; init; } = "32FC1";
    public bool PublishCloud { get; init; } = true;
    public int CloudStride { get; init; } = 1;
    public double CloudMinRangeM { get; init; } = 0.1;
    public double CloudMaxRangeM { get; init; } = 80.0;
    public bool CloudRgb { get; init; } = false;
    public bool PublishColorized { get; init; } = true;
    /// <summary>Colour map range in metres; max &lt;= min means automatic (robust percentiles per frame).</summary>
    public double ColorizeMinM { get; init; } = 0;
    public double ColorizeMaxM { get; init; } = 0;

    // Operation
    public double DiagnosticsPeriodS { get; init; } = 1.0;
    public double LogThrottleS { get; init; } = 5.0;

    public string DepthTopic => OutputNamespace.TrimEnd('/') + "/image";
    public string DepthCameraInfoTopic => OutputNamespace.TrimEnd('/') + "/camera_info";
    public string CloudTopic => OutputNamespace.TrimEnd('/') + "/points";
    public string ColorizedTopic => OutputNamespace.TrimEnd('/') + "/colorized";
    public string MetadataTopic => OutputNamespace.TrimEnd('/') + "/metadata";

    public DepthNodeOptions Validate()
    {
        static void Require(bool ok, string message) { if (!ok) throw new InvalidDataException("depth_node parameter " + message); }
        Require(QueueSize >= 1, $"queue_size must be >= 1, got {QueueSize}");
        Require(SyncSlopMs >= 0, $"sync_slop_ms must be >= 0, got {SyncSlopMs}");
        Require(DepthEncoding is "32FC1" or "16UC1", $"depth_encoding must be 32FC1 or 16UC1, got '{DepthEncoding}'");
        Require(CloudStride >= 1, $"cloud_stride must be >= 1, got {CloudStride}");
        Require(OutputScale > 0 && OutputScale <= 1, $"output_scale must be in (0, 1], got {OutputScale}");
        Require(CloudMinRangeM >= 0 && CloudMaxRangeM > CloudMinRangeM, $"cloud range [{CloudMinRangeM}, {CloudMaxRangeM}] is empty");
        Require(CameraHeightM > 0, $"camera_height_m must be > 0, got {CameraHeightM}");
        Require(MetricSource != MetricSource.Fixed || FixedScale != 0, "fixed_scale must not be 0");
        Require(ExecutionProviders.Count > 0, "execution_providers must name at least one provider");
        foreach (var p in ExecutionProviders)
            Require(p is "tensorrt" or "cuda" or "cpu", $"execution_providers: unknown provider '{p}' (tensorrt, cuda, cpu)");
        Require(DiagnosticsPeriodS > 0 && LogThrottleS >= 0, "diagnostics_period_s must be > 0 and log_throttle_s >= 0");
        return this;
    }

    /// <summary>Loads a ROS 2 params file. The node name key may be <c>depth_node</c> or <c>/**</c>.</summary>
    public static DepthNodeOptions Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{path}: not a ROS 2 params file (expected 'depth_node: ros__parameters:')");
        var node = root.Children.Values.OfType<YamlMappingNode>().FirstOrDefault()
            ?? throw new InvalidDataException($"{path}: no node section");
        if (!node.Children.TryGetValue(new YamlScalarNode("ros__parameters"), out var p) || p is not YamlMappingNode parameters)
            throw new InvalidDataException($"{path}: missing 'ros__parameters'");
        return FromParameters(parameters, path).Validate();
    }

    private static DepthNodeOptions FromParameters(YamlMappingNode map, string path)
    {
        var o = new DepthNodeOptions();
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            string S() => v is YamlScalarNode s ? s.Value ?? "" : throw new InvalidDataException($"{path}: '{key}' must be a scalar");
            double D() => double.TryParse(S(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
                : throw new InvalidDataException($"{path}: '{key}' must be a number, got '{S()}'");
            int I() => int.TryParse(S(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
                : throw new InvalidDataException($"{path}: '{key}' must be an integer, got '{S()}'");
            bool B() => S() switch { "true" or "True" => true, "false" or "False" => false, var x => throw new InvalidDataException($"{path}: '{key}' must be true or false, got '{x}'") };
            o = key switch
            {
                "image_topic" => o with { ImageTopic = S() },
                "compressed_image_topic" => o with { CompressedImageTopic = S() },
                "camera_info_topic" => o with { CameraInfoTopic = S() },
                "sync_mode" => o with { SyncMode = ParseEnum<CameraInfoSyncMode>(S(), key, path) },
                "sync_slop_ms" => o with { SyncSlopMs = D() },
                "frame_id" => o with { FrameId = S() },
                "intrinsics" => o with { Intrinsics = ParseEnum<IntrinsicsSource>(S(), key, path) },
                "queue_size" => o with { QueueSize = I() },
                "model" => o with { Model = S() },
                "execution_providers" => o with { ExecutionProviders = v is YamlSequenceNode seq
                    ? seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToArray()
                    : throw new InvalidDataException($"{path}: 'execution_providers' must be a list") },
                "tensorrt_fp16" => o with { TensorRtFp16 = B() },
                "engine_cache_dir" => o with { EngineCacheDir = S() },
                "intra_op_threads" => o with { IntraOpThreads = I() },
                "metric_source" => o with { MetricSource = ParseEnum<MetricSource>(S(), key, path) },
                "fixed_scale" => o with { FixedScale = D() },
                "fixed_shift" => o with { FixedShift = D() },
                "sparse_depth_topic" => o with { SparseDepthTopic = S() },
                "camera_height_m" => o with { CameraHeightM = D() },
                "camera_pitch_rad" => o with { CameraPitchRad = D() },
                "output_namespace" => o with { OutputNamespace = S() },
                "output_scale" => o with { OutputScale = D() },
                "publish_depth" => o with { PublishDepth = B() },
                "depth_encoding" => o with { DepthEncoding = S() },
                "publish_cloud" => o with { PublishCloud = B() },
                "cloud_stride" => o with { CloudStride = I() },
                "cloud_min_range_m" => o with { CloudMinRangeM = D() },
                "cloud_max_range_m" => o with { CloudMaxRangeM = D() },
                "cloud_rgb" => o with { CloudRgb = B() },
                "publish_colorized" => o with { PublishColorized = B() },
                "colorize_min_m" => o with { ColorizeMinM = D() },
                "colorize_max_m" => o with { ColorizeMaxM = D() },
                "diagnostics_period_s" => o with { DiagnosticsPeriodS = D() },
                "log_throttle_s" => o with { LogThrottleS = D() },
                _ => throw new InvalidDataException($"{path}: unknown parameter '{key}'"),
            };
        }
        return o;
    }

    /// <summary>snake_case YAML value to enum member (<c>cache_latest</c> → CacheLatest), by the same naming rule
    /// the diagnostics use to print them.</summary>
    private static T ParseEnum<T>(string value, string key, string path) where T : struct, Enum
    {
        foreach (var member in Enum.GetValues<T>())
            if (SnakeCase.From(member.ToString()) == value) return member;
        throw new InvalidDataException($"{path}: '{key}' must be one of {string.Join(", ", Enum.GetNames<T>().Select(SnakeCase.From))}, got '{value}'");
    }
}
