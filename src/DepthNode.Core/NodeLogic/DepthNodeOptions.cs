using DepthNode.Camera;
using DepthNode.Depth;
using DepthNode.Parameters;
using DepthNode.RosGraph;

namespace DepthNode.NodeLogic;

public enum CameraInfoSyncMode { Exact, Approximate, CacheLatest }

/// <summary>Which image topic the live node subscribes to (image_transport's <c>raw</c> / <c>compressed</c>).</summary>
public enum ImageTransport { Raw, Compressed }

/// <summary>
/// Every parameter of the depth node, declared once: the property's snake_case name is the parameter's name, its
/// initial value the default, its <see cref="ParameterAttribute"/> what is allowed and what it does (depth_image_proc
/// declares typed, defaulted parameters in one place the same way). <see cref="ParameterTable{T}"/> reads these for the
/// params file, <c>--ros-args -p</c>, validation and the README; <c>config/depth_node.yaml</c> lists them all.
/// Topic names are as the user wrote them (relative ones resolve under the node's namespace): the names the node
/// actually uses are in <see cref="NodeConfiguration"/>.
/// </summary>
public sealed record DepthNodeOptions
{
    public static ParameterTable<DepthNodeOptions> Table => ParameterTable<DepthNodeOptions>.Instance;

    // Inputs
    [Parameter("sensor_msgs/Image topic (image_transport raw)", Rule = ParameterRule.TopicName)]
    public string ImageTopic { get; init; } = "camera/image_raw";
    [Parameter("sensor_msgs/CompressedImage topic, jpeg or png (image_transport compressed)", Rule = ParameterRule.TopicName)]
    public string CompressedImageTopic { get; init; } = "camera/image_raw/compressed";
    [Parameter("which of the two image topics the node subscribes to")]
    public ImageTransport ImageTransport { get; init; } = ImageTransport.Raw;
    [Parameter("JPEG/PNG decoder: auto = OpenCV when its native library loads (linux-x64), else the managed one (StbImageSharp; linux-arm64)", Allowed = ["auto", "opencv", "managed"])]
    public string CompressedDecoder { get; init; } = "auto";
    [Parameter("sensor_msgs/CameraInfo topic", Rule = ParameterRule.TopicName)]
    public string CameraInfoTopic { get; init; } = "camera/camera_info";
    [Parameter("how an image is paired with its CameraInfo: identical stamps, nearest within sync_slop_ms, or the newest (intrinsics are static)")]
    public CameraInfoSyncMode SyncMode { get; init; } = CameraInfoSyncMode.CacheLatest;
    [Parameter("largest stamp difference accepted by approximate sync, ms", Min = 0)]
    public double SyncSlopMs { get; init; } = 20;
    [Parameter("overrides the input's frame_id when set, for cameras that publish an empty or non-optical one", Rule = ParameterRule.OpticalFrameId)]
    public string FrameId { get; init; } = "";
    [Parameter("CameraInfo matrix that projects depth to points: projection (P, rectified input, as depth_image_proc) or calibration (K, unrectified; distortion not applied)")]
    public IntrinsicsSource Intrinsics { get; init; } = IntrinsicsSource.Projection;
    [Parameter("frames waiting for inference; 1 = always the newest, stale frames dropped and counted", Min = 1, Max = 64)]
    public int QueueSize { get; init; } = 1;

    // Model
    [Parameter("model card (YAML) or .onnx; relative paths resolve against the models directory")]
    public string Model { get; init; } = "fastdepth_7.yaml";
    [Parameter("ONNX Runtime execution providers, tried in order; every fallback is logged", Allowed = ["tensorrt", "cuda", "cpu"])]
    public IReadOnlyList<string> ExecutionProviders { get; init; } = ["tensorrt", "cuda", "cpu"];
    [Parameter("TensorRT FP16 precision", Name = "tensorrt_fp16")]
    public bool TensorRtFp16 { get; init; } = true;
    [Parameter("TensorRT engine and timing caches (keyed by model, shape, TensorRT version, precision)")]
    public string EngineCacheDir { get; init; } = "~/.cache/depthnode/tensorrt";
    [Parameter("ONNX Runtime intra-op threads; 0 = its default", Min = 0, Max = 256)]
    public int IntraOpThreads { get; init; } = 0;

    // Metric scale
    [Parameter("what makes depth metric: the network's own metres, a fixed scale/shift, sparse LiDAR depth, or the camera's height above the road")]
    public MetricSource MetricSource { get; init; } = MetricSource.Model;
    [Parameter("metric_source fixed: depth = fixed_scale * output + fixed_shift")]
    public double FixedScale { get; init; } = 1.0;
    [Parameter("metric_source fixed: shift, metres")]
    public double FixedShift { get; init; } = 0.0;
    [Parameter("metric_source sparse_depth: 32FC1 metres or 16UC1 mm depth on the camera grid (projected LiDAR)", Rule = ParameterRule.TopicName)]
    public string SparseDepthTopic { get; init; } = "lidar/depth";
    [Parameter("metric_source sparse_depth: largest stamp difference between an image and the sparse depth fitted to it, ms", Min = 0)]
    public double SparseDepthSlopMs { get; init; } = 50;
    [Parameter("metric_source ground_plane: optical centre above the road, m (KITTI: 1.65)", Min = 0, MinExclusive = true)]
    public double CameraHeightM { get; init; } = 1.65;
    [Parameter("metric_source ground_plane: pitch, rad, positive = looking down", Min = -1.5, Max = 1.5)]
    public double CameraPitchRad { get; init; } = 0.0;

    // Outputs
    [Parameter("namespace of the outputs image, camera_info, points, colorized, metadata", Rule = ParameterRule.TopicName)]
    public string OutputNamespace { get; init; } = "depth";
    [Parameter("published resolution / camera resolution; CameraInfo rescaled to match", Min = 0, MinExclusive = true, Max = 1)]
    public double OutputScale { get; init; } = 1.0;
    [Parameter("publish the depth image")]
    public bool PublishDepth { get; init; } = true;
    [Parameter("32FC1 metres, NaN invalid (REP 118) or 16UC1 millimetres, 0 invalid", Allowed = ["32FC1", "16UC1"])]
    public string DepthEncoding { get; init; } = "32FC1";
    [Parameter("publish the organized point cloud")]
    public bool PublishCloud { get; init; } = true;
    [Parameter("every n-th pixel in each direction becomes a point", Min = 1, Max = 64)]
    public int CloudStride { get; init; } = 1;
    [Parameter("points nearer than this are NaN, m", Min = 0)]
    public double CloudMinRangeM { get; init; } = 0.1;
    [Parameter("points farther than this are NaN, m", Min = 0, MinExclusive = true)]
    public double CloudMaxRangeM { get; init; } = 80.0;
    [Parameter("xyzrgb points (PCL layout, point_step 32) instead of xyz")]
    public bool CloudRgb { get; init; } = false;
    [Parameter("publish the colourised depth for rviz")]
    public bool PublishColorized { get; init; } = true;
    [Parameter("colour map range start, m; max <= min: automatic per frame", Min = 0)]
    public double ColorizeMinM { get; init; } = 0;
    [Parameter("colour map range end, m", Min = 0)]
    public double ColorizeMaxM { get; init; } = 0;

    // Quality of service (per topic: qos_overrides./<topic>.<publisher|subscription>.<policy>, see NodeConfiguration)
    [Parameter("input subscriptions: best_effort matches every camera (sensor data, REP 2003)")]
    public QosReliability InputQosReliability { get; init; } = QosProfile.SensorData.Reliability;
    [Parameter("input subscriptions")]
    public QosDurability InputQosDurability { get; init; } = QosProfile.SensorData.Durability;
    [Parameter("input subscriptions")]
    public QosHistory InputQosHistory { get; init; } = QosProfile.SensorData.History;
    [Parameter("input subscriptions: messages kept (keep_last)", Min = 1, Max = 1000)]
    public int InputQosDepth { get; init; } = QosProfile.SensorData.Depth;
    [Parameter("publishers: reliable reaches rviz's default subscription and best-effort ones alike")]
    public QosReliability OutputQosReliability { get; init; } = QosReliability.Reliable;
    [Parameter("publishers")]
    public QosDurability OutputQosDurability { get; init; } = QosDurability.Volatile;
    [Parameter("publishers")]
    public QosHistory OutputQosHistory { get; init; } = QosHistory.KeepLast;
    [Parameter("publishers: messages kept (keep_last)", Min = 1, Max = 1000)]
    public int OutputQosDepth { get; init; } = 5;

    // Operation
    [Parameter("/diagnostics period, s", Min = 0, MinExclusive = true, Max = 3600)]
    public double DiagnosticsPeriodS { get; init; } = 1.0;
    [Parameter("repeated warnings of one kind are logged at most once per this period, s", Min = 0)]
    public double LogThrottleS { get; init; } = 5.0;
    [Parameter("warn when an input topic has been silent this long, naming it and its QoS, s; 0 = never", Min = 0)]
    public double InputTimeoutS { get; init; } = 5.0;

    public QosProfile InputQos => new(InputQosHistory, InputQosDepth, InputQosReliability, InputQosDurability);
    public QosProfile OutputQos => new(OutputQosHistory, OutputQosDepth, OutputQosReliability, OutputQosDurability);

    /// <summary>Checks every parameter against its declaration and the rules between parameters; throws one
    /// <see cref="ParameterException"/> with a line per bad value.</summary>
    public DepthNodeOptions Validate() => Validate(null);

    internal DepthNodeOptions Validate(IReadOnlyDictionary<string, ParameterValue>? sources)
    {
        var errors = new List<string>();
        Validate(sources, errors);
        return errors.Count > 0 ? throw new ParameterException(errors) : this;
    }

    internal void Validate(IReadOnlyDictionary<string, ParameterValue>? sources, List<string> errors)
    {
        Table.Check(this, sources, errors);
        var (min, max, scale) = (Table.Of(nameof(CloudMinRangeM)).Name, Table.Of(nameof(CloudMaxRangeM)).Name, Table.Of(nameof(FixedScale)).Name);
        string At(string name) => sources is not null && sources.TryGetValue(name, out var v) ? v.Source : "default";
        if (CloudMaxRangeM <= CloudMinRangeM)
            errors.Add($"{At(max)}: parameter {max} = {CloudMaxRangeM} must be greater than {min} = {CloudMinRangeM}");
        if (MetricSource == MetricSource.Fixed && FixedScale == 0)
            errors.Add($"{At(scale)}: parameter {scale} = 0 must not be 0 with {Table.Of(nameof(MetricSource)).Name} fixed");
    }

    /// <summary>Loads a ROS 2 params file for a node named <c>depth_node</c> in the root namespace (<c>depthnode run
    /// --config</c>), exactly as <c>--ros-args --params-file</c> would.</summary>
    public static DepthNodeOptions Load(string path) => NodeConfiguration.FromArguments(["--ros-args", "--params-file", path]).Options;
}
