using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Bags;

/// <summary>Per-file entry of metadata.yaml (version ≥ 5).</summary>
public sealed record BagFileInfo(string Path, long StartTimeNs, long DurationNs, long MessageCount);

/// <summary>
/// The <c>rosbag2_bagfile_information</c> document of <c>metadata.yaml</c>. Reads versions 4–9 (QoS as a YAML
/// document inside a string up to 8, a real list from 9); <see cref="ToYaml"/> writes version 9 as Jazzy does or
/// version 5 as Humble does (<see cref="BagFormat"/>).
/// </summary>
public sealed record BagMetadata
{
    public const int CurrentVersion = 9;
    /// <summary>The version Humble's rosbag2 writes (its <c>BagMetadata::version</c>).</summary>
    public const int HumbleVersion = 5;
    public int Version { get; init; } = CurrentVersion;
    public string StorageIdentifier { get; init; } = "mcap";
    public long DurationNs { get; init; }
    public long StartingTimeNs { get; init; }
    public long MessageCount { get; init; }
    public IReadOnlyList<TopicSummary> Topics { get; init; } = [];
    public string CompressionFormat { get; init; } = "";
    public string CompressionMode { get; init; } = "";
    public IReadOnlyList<string> RelativeFilePaths { get; init; } = [];
    public IReadOnlyList<BagFileInfo> Files { get; init; } = [];
    public IReadOnlyDictionary<string, string> CustomData { get; init; } = new Dictionary<string, string>();
    public string RosDistro { get; init; } = "";

    public static BagMetadata Load(string path)
    {
        try { return Parse(File.ReadAllText(path)); }
        catch (BagFormatException e) { throw new BagFormatException($"{path}: {e.Message}", e); }
    }

    public static BagMetadata Parse(string yamlText)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yamlText)); }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new BagFormatException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || Child(root, "rosbag2_bagfile_information") is not YamlMappingNode info)
            throw new BagFormatException("no 'rosbag2_bagfile_information' mapping");
        var version = (int)Long(info, "version", required: true);
        if (version < 1 || version > CurrentVersion) throw new BagFormatException($"unsupported metadata version {version} (supported: 1–{CurrentVersion})");
        var topics = new List<TopicSummary>();
        if (Child(info, "topics_with_message_count") is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children.OfType<YamlMappingNode>())
            {
                if (Child(item, "topic_metadata") is not YamlMappingNode tm) throw new BagFormatException("topics_with_message_count entry without topic_metadata");
                var qos = Child(tm, "offered_qos_profiles") switch
                {
                    YamlScalarNode s => s.Value ?? "",
                    YamlSequenceNode list => QosYaml.Emit(list),
                    _ => "",
                };
                topics.Add(new TopicSummary(new TopicInfo(Str(tm, "name", true), Str(tm, "type", true), Str(tm, "serialization_format"), qos,
                    Str(tm, "type_description_hash"), "", ""), Long(item, "message_count")));
            }
        }
        var files = new List<BagFileInfo>();
        if (Child(info, "files") is YamlSequenceNode fs)
            foreach (var f in fs.Children.OfType<YamlMappingNode>())
                files.Add(new BagFileInfo(Str(f, "path", true), Nested(f, "starting_time", "nanoseconds_since_epoch"), Nested(f, "duration", "nanoseconds"), Long(f, "message_count")));
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Child(info, "custom_data") is YamlMappingNode cd)
            foreach (var (k, v) in cd.Children) custom[((YamlScalarNode)k).Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
        return new BagMetadata
        {
            Version = version,
            StorageIdentifier = Str(info, "storage_identifier"),
            DurationNs = Nested(info, "duration", "nanoseconds"),
            StartingTimeNs = Nested(info, "starting_time", "nanoseconds_since_epoch"),
            MessageCount = Long(info, "message_count"),
            Topics = topics,
            CompressionFormat = Str(info, "compression_format"),
            CompressionMode = Str(info, "compression_mode"),
            RelativeFilePaths = Child(info, "relative_file_paths") is YamlSequenceNode rp ? rp.Children.Select(c => (c as YamlScalarNode)?.Value ?? "").ToList() : [],
            Files = files,
            CustomData = custom,
            RosDistro = Str(info, "ros_distro"),
        };
    }

    /// <summary>
    /// metadata.yaml text. Jazzy: version 9 (QoS as a list with enum names, type hashes, custom_data, ros_distro).
    /// Humble: version 5 with exactly the fields Humble's rosbag2 writes; each topic's QoS is one string of YAML with
    /// integer enums, the only form Humble's reader accepts (it reads the field with <c>as&lt;std::string&gt;()</c>).
    /// </summary>
    public string ToYaml(BagFormat format)
    {
        var humble = format == BagFormat.Humble;
        var w = new StringBuilder();
        w.Append("rosbag2_bagfile_information:\n");
        w.Append("  version: ").Append(humble ? HumbleVersion : CurrentVersion).Append('\n');
        w.Append("  storage_identifier: ").Append(Q(StorageIdentifier)).Append('\n');
        w.Append("  duration:\n    nanoseconds: ").Append(DurationNs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        w.Append("  starting_time:\n    nanoseconds_since_epoch: ").Append(StartingTimeNs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        w.Append("  message_count: ").Append(MessageCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        w.Append("  topics_with_message_count:").Append(Topics.Count == 0 ? " []\n" : "\n");
        foreach (var t in Topics)
        {
            w.Append("    - topic_metadata:\n");
            w.Append("        name: ").Append(Q(t.Topic.Name)).Append('\n');
            w.Append("        type: ").Append(Q(t.Topic.Type)).Append('\n');
            w.Append("        serialization_format: ").Append(Q(t.Topic.SerializationFormat)).Append('\n');
            w.Append("        offered_qos_profiles:");
            if (humble)
            {
                w.Append(' ').Append(Q(QosYaml.ToIntegerEnums(t.Topic.OfferedQosProfiles))).Append('\n');
            }
            else
            {
                QosYaml.AppendAsList(w, t.Topic.OfferedQosProfiles, "          ");
                w.Append("        type_description_hash: ").Append(Q(t.Topic.TypeDescriptionHash)).Append('\n');
            }
            w.Append("      message_count: ").Append(t.MessageCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        w.Append("  compression_format: ").Append(Q(CompressionFormat)).Append('\n');
        w.Append("  compression_mode: ").Append(Q(CompressionMode)).Append('\n');
        w.Append("  relative_file_paths:").Append(RelativeFilePaths.Count == 0 ? " []\n" : "\n");
        foreach (var p in RelativeFilePaths) w.Append("    - ").Append(Q(p)).Append('\n');
        w.Append("  files:").Append(Files.Count == 0 ? " []\n" : "\n");
        foreach (var f in Files)
        {
            w.Append("    - path: ").Append(Q(f.Path)).Append('\n');
            w.Append("      starting_time:\n        nanoseconds_since_epoch: ").Append(f.StartTimeNs.ToString(CultureInfo.InvariantCulture)).Append('\n');
            w.Append("      duration:\n        nanoseconds: ").Append(f.DurationNs.ToString(CultureInfo.InvariantCulture)).Append('\n');
            w.Append("      message_count: ").Append(f.MessageCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        if (humble) return w.ToString();
        w.Append("  custom_data:").Append(CustomData.Count == 0 ? " ~\n" : "\n");
        foreach (var (k, v) in CustomData) w.Append("    ").Append(Q(k)).Append(": ").Append(Q(v)).Append('\n');
        w.Append("  ros_distro: ").Append(Q(RosDistro)).Append('\n');
        return w.ToString();
    }

    /// <summary>A double-quoted YAML scalar (always valid, whatever the characters).</summary>
    internal static string Q(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\t': b.Append("\\t"); break;
                case '\r': b.Append("\\r"); break;
                default:
                    if (c < 0x20) b.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }

    private static YamlNode? Child(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string Str(YamlMappingNode m, string key, bool required = false)
    {
        var node = Child(m, key);
        if (node is YamlScalarNode s) return s.Value ?? "";
        if (required) throw new BagFormatException($"missing field '{key}'");
        return "";
    }

    private static long Long(YamlMappingNode m, string key, bool required = false)
    {
        if (Child(m, key) is not YamlScalarNode { Value: { } v })
        {
            if (required) throw new BagFormatException($"missing field '{key}'");
            return 0;
        }
        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new BagFormatException($"field '{key}' is not an integer: '{v}'");
    }

    private static long Nested(YamlMappingNode m, string key, string inner) => Child(m, key) is YamlMappingNode n ? Long(n, inner) : 0;
}
