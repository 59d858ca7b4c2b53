using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Bags;

/// <summary>
/// QoS profile lists: v≤8 stores YAML text with integer rmw enums; v9 a YAML list with enum names. Conversion keeps
/// every field and maps the enums (rmw_qos_*_policy_e values) either way.
/// </summary>
public static class QosYaml
{
    private static readonly Dictionary<string, string[]> EnumNames = new(StringComparer.Ordinal)
    {
        ["history"] = ["system_default", "keep_last", "keep_all", "unknown"],
        ["reliability"] = ["system_default", "reliable", "best_effort", "unknown", "best_available"],
        ["durability"] = ["system_default", "transient_local", "volatile", "unknown", "best_available"],
        ["liveliness"] = ["system_default", "automatic", "manual_by_node", "manual_by_topic", "unknown", "best_available"],
    };

    /// <summary>
    /// One reliable, volatile, keep-last profile in the v9 form, durations infinite (rmw's 9223372036 s 854775807 ns):
    /// what an rclcpp publisher offers by default, with its queue <paramref name="depth"/>.
    /// </summary>
    public static string ReliableVolatileKeepLast(int depth) =>
        $"- history: keep_last\n  depth: {depth.ToString(CultureInfo.InvariantCulture)}\n  reliability: reliable\n  durability: volatile\n" +
        "  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  liveliness: automatic\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  avoid_ros_namespace_conventions: false\n";

    /// <summary>Block YAML text of a node (no document markers), e.g. <c>- history: keep_last\n  depth: 10</c>.</summary>
    public static string Emit(YamlNode node)
    {
        var b = new StringBuilder();
        EmitNode(b, node, "", inSequence: false, EnumStyle.AsStored);
        return b.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// <paramref name="qosText"/> (either form) as the text Humble stores and parses: enums as rmw integers
    /// (<c>- history: 1\n  depth: 10\n  reliability: 1</c>...). Text already in that form, empty text (Humble's player
    /// reads it as "no recorded offers") and unparsable text are returned unchanged, so conversion keeps their bytes.
    /// </summary>
    public static string ToIntegerEnums(string qosText)
    {
        if (Load(qosText) is not YamlSequenceNode seq || !HasEnumName(seq)) return qosText;
        var b = new StringBuilder();
        EmitNode(b, seq, "", inSequence: false, EnumStyle.Integers);
        return b.ToString();
    }

    /// <summary>Appends <paramref name="qosText"/> as a v9 list after "offered_qos_profiles:".</summary>
    public static void AppendAsList(StringBuilder w, string qosText, string indent)
    {
        if (Load(qosText) is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            w.Append(" []\n");
            return;
        }
        w.Append('\n');
        EmitNode(w, seq, indent, inSequence: false, EnumStyle.Names);
    }

    private enum EnumStyle { AsStored, Names, Integers }

    private static bool HasEnumName(YamlNode node) => node switch
    {
        YamlSequenceNode seq => seq.Children.Any(HasEnumName),
        YamlMappingNode map => map.Children.Any(kv =>
            kv.Value is YamlScalarNode { Value: { } v } && kv.Key is YamlScalarNode { Value: { } k } && EnumNames.ContainsKey(k)
                ? !int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                : HasEnumName(kv.Value)),
        _ => false,
    };

    private static YamlNode? Load(string qosText)
    {
        if (string.IsNullOrWhiteSpace(qosText)) return null;
        try
        {
            var s = new YamlStream();
            s.Load(new StringReader(qosText));
            return s.Documents.Count > 0 ? s.Documents[0].RootNode : null;
        }
        catch (YamlDotNet.Core.YamlException) { return null; }
    }

    private static string ConvertEnum(string key, string value, EnumStyle style)
    {
        if (style == EnumStyle.AsStored || !EnumNames.TryGetValue(key, out var names)) return value;
        if (style == EnumStyle.Names)
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < names.Length ? names[i] : value;
        var index = Array.IndexOf(names, value);
        return index >= 0 ? index.ToString(CultureInfo.InvariantCulture) : value;
    }

    private static void EmitNode(StringBuilder b, YamlNode node, string indent, bool inSequence, EnumStyle style)
    {
        switch (node)
        {
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    b.Append(indent).Append("- ");
                    if (item is YamlScalarNode s) b.Append(s.Value).Append('\n');
                    else EmitNode(b, item, indent + "  ", inSequence: true, style);
                }
                break;
            case YamlMappingNode map:
                var first = true;
                foreach (var (k, v) in map.Children)
                {
                    if (!(first && inSequence)) b.Append(indent);
                    first = false;
                    var key = ((YamlScalarNode)k).Value ?? "";
                    b.Append(key).Append(':');
                    if (v is YamlScalarNode sv) b.Append(' ').Append(ConvertEnum(key, sv.Value ?? "", style)).Append('\n');
                    else
                    {
                        b.Append('\n');
                        EmitNode(b, v, indent + "  ", inSequence: false, style);
                    }
                }
                break;
            case YamlScalarNode s:
                b.Append(indent).Append(s.Value).Append('\n');
                break;
        }
    }
}
