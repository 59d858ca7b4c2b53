using System.Text;

namespace DepthNode.Messages;

/// <summary>
/// The <c>ros2msg</c> definitions of the types this project reads and writes, as rosbag2 stores them in a bag's
/// schema: the type's own .msg text, then for every dependency a line of 80 '=' and <c>MSG: pkg/Type</c> followed
/// by that type's text. Field lists follow ros2/common_interfaces; comments are dropped except in our own
/// <c>msg/DepthMetadata.msg</c>, whose text is kept verbatim. Names are accepted with or without <c>/msg/</c>.
/// </summary>
public static class MessageDefinitions
{
    /// <summary>The line that separates definitions in a <c>ros2msg</c> schema.</summary>
    public static readonly string Separator = new('=', 80);

    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["builtin_interfaces/Time"] = "int32 sec\nuint32 nanosec\n",
        ["std_msgs/Header"] = "builtin_interfaces/Time stamp\nstring frame_id\n",
        ["std_msgs/String"] = "string data\n",
        ["sensor_msgs/Image"] =
            "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n",
        ["sensor_msgs/CompressedImage"] = "std_msgs/Header header\nstring format\nuint8[] data\n",
        ["sensor_msgs/RegionOfInterest"] = "uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n",
        ["sensor_msgs/CameraInfo"] =
            "std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\nfloat64[] d\nfloat64[9] k\n" +
            "float64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\nRegionOfInterest roi\n",
        ["sensor_msgs/PointField"] =
            "uint8 INT8=1\nuint8 UINT8=2\nuint8 INT16=3\nuint8 UINT16=4\nuint8 INT32=5\nuint8 UINT32=6\nuint8 FLOAT32=7\nuint8 FLOAT64=8\n" +
            "string name\nuint32 offset\nuint8 datatype\nuint32 count\n",
        ["sensor_msgs/PointCloud2"] =
            "std_msgs/Header header\nuint32 height\nuint32 width\nPointField[] fields\nbool is_bigendian\nuint32 point_step\n" +
            "uint32 row_step\nuint8[] data\nbool is_dense\n",
        ["geometry_msgs/Vector3"] = "float64 x\nfloat64 y\nfloat64 z\n",
        ["geometry_msgs/Quaternion"] = "float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1\n",
        ["geometry_msgs/Transform"] = "Vector3 translation\nQuaternion rotation\n",
        ["geometry_msgs/TransformStamped"] = "std_msgs/Header header\nstring child_frame_id\nTransform transform\n",
        ["tf2_msgs/TFMessage"] = "geometry_msgs/TransformStamped[] transforms\n",
        ["diagnostic_msgs/KeyValue"] = "string key\nstring value\n",
        ["diagnostic_msgs/DiagnosticStatus"] =
            "byte OK=0\nbyte WARN=1\nbyte ERROR=2\nbyte STALE=3\nbyte level\nstring name\nstring message\nstring hardware_id\nKeyValue[] values\n",
        ["diagnostic_msgs/DiagnosticArray"] = "std_msgs/Header header\nDiagnosticStatus[] status\n",
        ["depth_node/DepthMetadata"] = DepthMetadataMsg,
    };

    /// <summary>Text of <c>msg/DepthMetadata.msg</c> (a test keeps the two identical).</summary>
    public const string DepthMetadataMsg =
        "# Published with every depth image by DepthNode (package depth_node).\n" +
        "# Same stamp and frame as the depth image it describes.\n" +
        "std_msgs/Header header\n" +
        "# Model identifier, e.g. \"fastdepth_7\".\n" +
        "string model\n" +
        "# What made the depth metric (the metric_source parameter): \"model\", \"fixed\", \"sparse_depth\" or \"ground_plane\".\n" +
        "string metric_source\n" +
        "# The fitted mapping: depth = scale * raw + shift (disparity models: 1 / (scale * raw + shift))\n" +
        "float32 scale\n" +
        "float32 shift\n" +
        "# Wall time of the network forward pass, milliseconds.\n" +
        "float32 inference_ms\n" +
        "# Input frames skipped since the previous output because the node was busy.\n" +
        "uint32 dropped_frames\n";

    private static readonly Dictionary<string, string> FullTexts = new(StringComparer.Ordinal);

    /// <summary>All type names known here, as <c>pkg/msg/Type</c>.</summary>
    public static IEnumerable<string> TypeNames => Texts.Keys.Select(k => k.Replace("/", "/msg/", StringComparison.Ordinal));

    /// <summary>Turns <c>pkg/msg/Type</c> into <c>pkg/Type</c>; other forms are returned unchanged.</summary>
    public static string ShortName(string typeName)
    {
        var parts = typeName.Split('/');
        return parts.Length == 3 && parts[1] == "msg" ? parts[0] + "/" + parts[2] : typeName;
    }

    /// <summary>The own .msg text (no dependencies) of a type, or null.</summary>
    public static string? OwnText(string typeName) => Texts.GetValueOrDefault(ShortName(typeName));

    public static bool TryGet(string typeName, out string definition)
    {
        var key = ShortName(typeName);
        lock (FullTexts)
        {
            if (FullTexts.TryGetValue(key, out definition!)) return true;
            if (!Texts.ContainsKey(key)) { definition = ""; return false; }
            definition = Compose(key);
            FullTexts[key] = definition;
            return true;
        }
    }

    /// <summary>The full definition with dependencies; throws <see cref="KeyNotFoundException"/> for unknown types.</summary>
    public static string Get(string typeName) =>
        TryGet(typeName, out var d) ? d : throw new KeyNotFoundException($"no ros2msg definition for '{typeName}'");

    // As rosbag2's LocalMessageDefinitionSource::get_full_text: a type's text, then for each of its dependencies
    // (sorted by name, each once per schema) "\n", the separator, "MSG: pkg/Type\n" and that dependency's own
    // full text, depth first.
    private static string Compose(string key)
    {
        var sb = new StringBuilder();
        Append(key, sb, new HashSet<string>(StringComparer.Ordinal));
        return sb.ToString();
    }

    private static void Append(string key, StringBuilder sb, HashSet<string> seen)
    {
        sb.Append(Texts[key]);
        foreach (var dep in Dependencies(key))
        {
            if (!seen.Add(dep)) continue;
            sb.Append('\n').Append(Separator).Append('\n').Append("MSG: ").Append(dep).Append('\n');
            Append(dep, sb, seen);
        }
    }

    private static SortedSet<string> Dependencies(string key)
    {
        var deps = new SortedSet<string>(StringComparer.Ordinal);
        var package = key[..key.IndexOf('/')];
        foreach (var raw in Texts[key].Split('\n'))
        {
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var type = line.Split(' ', 2)[0];
            var bracket = type.IndexOf('[');
            if (bracket >= 0) type = type[..bracket];
            var bound = type.IndexOf("<=", StringComparison.Ordinal);
            if (bound >= 0) type = type[..bound];
            if (Cdr.RosMsgSchema.IsPrimitive(type)) continue;
            var dep = type == "Header" ? "std_msgs/Header" : type.Contains('/') ? ShortName(type) : package + "/" + type;
            if (!Texts.ContainsKey(dep)) throw new InvalidOperationException($"definition of {key} uses {dep}, which is not registered");
            deps.Add(dep);
        }
        return deps;
    }
}
