using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Tests;

/// <summary>
/// What ROS 2 Humble's rosbag2 (humble branch, d256a5b, 2024-10) demands of a bag folder's metadata.yaml, written
/// down independently of the project's writer from Humble's sources: <c>rosbag2_storage/src/rosbag2_storage/
/// metadata_io.cpp</c> (the YAML decode of BagMetadata: which fields are read for which version and as which C++
/// type) and <c>rosbag2_transport/src/rosbag2_transport/qos.cpp</c> (how the player decodes each offered QoS profile).
/// yaml-cpp's <c>as&lt;T&gt;()</c> throws on a missing node or a value that does not convert, so every rule below is
/// a "Exception on parsing info file" in Humble's <c>ros2 bag info/play</c>.
/// </summary>
public static class HumbleBagRules
{
    /// <summary>The keys Humble's encoder writes (and nothing else), top level and per topic.</summary>
    public static readonly string[] MetadataKeys =
        ["version", "storage_identifier", "duration", "starting_time", "message_count", "topics_with_message_count",
         "compression_format", "compression_mode", "relative_file_paths", "files"];
    public static readonly string[] TopicMetadataKeys = ["name", "type", "serialization_format", "offered_qos_profiles"];

    /// <summary>Every reason Humble's reader would refuse <paramref name="yamlText"/>; empty when it reads it.</summary>
    public static List<string> Violations(string yamlText)
    {
        var errors = new List<string>();
        var stream = new YamlStream();
        stream.Load(new StringReader(yamlText));
        if (stream.Documents[0].RootNode is not YamlMappingNode root || Get(root, "rosbag2_bagfile_information") is not YamlMappingNode info)
            return ["no rosbag2_bagfile_information mapping"];
        if (!TryInt(Get(info, "version"), out var version)) { errors.Add("version: not an int"); return errors; }
        Scalar(info, "storage_identifier", errors);
        UInt64(Get(info, "duration") is YamlMappingNode d ? Get(d, "nanoseconds") : null, "duration.nanoseconds", errors);
        UInt64(Get(info, "starting_time") is YamlMappingNode s ? Get(s, "nanoseconds_since_epoch") : null, "starting_time.nanoseconds_since_epoch", errors);
        UInt64(Get(info, "message_count"), "message_count", errors);
        if (Get(info, "topics_with_message_count") is not YamlSequenceNode topics) errors.Add("topics_with_message_count: not a sequence");
        else
        {
            foreach (var item in topics.Children)
            {
                if (item is not YamlMappingNode t || Get(t, "topic_metadata") is not YamlMappingNode tm) { errors.Add("topic without topic_metadata"); continue; }
                foreach (var key in new[] { "name", "type", "serialization_format" }) Scalar(tm, key, errors);
                if (version >= 4)
                {
                    if (Get(tm, "offered_qos_profiles") is not YamlScalarNode qos) errors.Add($"offered_qos_profiles of {(Get(tm, "name") as YamlScalarNode)?.Value}: not a string");
                    else errors.AddRange(QosViolations(qos.Value ?? "").Select(e => $"offered_qos_profiles of {(Get(tm, "name") as YamlScalarNode)?.Value}: {e}"));
                }
                UInt64(Get(t, "message_count"), "topic message_count", errors);
            }
        }
        if (Get(info, "relative_file_paths") is not YamlSequenceNode paths || paths.Children.Any(p => p is not YamlScalarNode))
            errors.Add("relative_file_paths: not a list of strings");
        if (version >= 3)
        {
            Scalar(info, "compression_format", errors);
            Scalar(info, "compression_mode", errors);
        }
        if (version >= 5)
        {
            if (Get(info, "files") is not YamlSequenceNode files) errors.Add("files: not a sequence");
            else
                foreach (var f in files.Children.OfType<YamlMappingNode>())
                {
                    Scalar(f, "path", errors);
                    UInt64(Get(f, "starting_time") is YamlMappingNode fs ? Get(fs, "nanoseconds_since_epoch") : null, "files.starting_time", errors);
                    UInt64(Get(f, "duration") is YamlMappingNode fd ? Get(fd, "nanoseconds") : null, "files.duration", errors);
                    UInt64(Get(f, "message_count"), "files.message_count", errors);
                }
        }
        return errors;
    }

    /// <summary>The player's decode of one topic's QoS text (empty text: no recorded offers, allowed).</summary>
    public static List<string> QosViolations(string qosText)
    {
        if (qosText.Length == 0) return [];
        var errors = new List<string>();
        var stream = new YamlStream();
        stream.Load(new StringReader(qosText));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlSequenceNode profiles) return ["not a YAML sequence"];
        foreach (var p in profiles.Children)
        {
            if (p is not YamlMappingNode m) { errors.Add("profile is not a mapping"); continue; }
            foreach (var key in new[] { "history", "depth", "reliability", "durability", "liveliness" })
                if (!TryInt(Get(m, key), out _)) errors.Add($"{key}: not an int ('{(Get(m, key) as YamlScalarNode)?.Value}')");
            foreach (var key in new[] { "deadline", "lifespan", "liveliness_lease_duration" })
            {
                var duration = Get(m, key) as YamlMappingNode;
                UInt64(duration is null ? null : Get(duration, "sec"), key + ".sec", errors);
                UInt64(duration is null ? null : Get(duration, "nsec"), key + ".nsec", errors);
            }
            var avoid = (Get(m, "avoid_ros_namespace_conventions") as YamlScalarNode)?.Value;
            if (avoid is not ("true" or "false" or "True" or "False" or "TRUE" or "FALSE" or "yes" or "no" or "on" or "off"))
                errors.Add($"avoid_ros_namespace_conventions: not a bool ('{avoid}')");
        }
        return errors;
    }

    private static YamlNode? Get(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static void Scalar(YamlMappingNode m, string key, List<string> errors)
    {
        if (Get(m, key) is not YamlScalarNode) errors.Add($"{key}: missing or not a string");
    }

    private static bool TryInt(YamlNode? node, out int value)
    {
        value = 0;
        return node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static void UInt64(YamlNode? node, string what, List<string> errors)
    {
        if (node is not YamlScalarNode { Value: { } v } || !ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            errors.Add($"{what}: not a uint64 ('{(node as YamlScalarNode)?.Value}')");
    }
}
