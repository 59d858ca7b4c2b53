using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Parameters;

/// <summary>One <c>node: ros__parameters:</c> section of a params file, its parameters flattened to dotted names.</summary>
public sealed record ParamsFileSection(string NodePattern, IReadOnlyList<ParameterAssignment> Parameters, string Source)
{
    /// <summary>Whether the section applies to the node with this fully qualified name. As rclcpp: a key without a
    /// leading slash gets one, <c>/*</c> stands for one name token and <c>/**</c> for any number of them.</summary>
    public bool AppliesTo(string nodeFullName)
    {
        var pattern = NodePattern.StartsWith('/') ? NodePattern : "/" + NodePattern;
        var regex = Regex.Escape(pattern).Replace(@"/\*\*", "(/[A-Za-z0-9_]+)*").Replace(@"/\*", "(/[A-Za-z0-9_]+)");
        return Regex.IsMatch(nodeFullName, "^" + regex + "$");
    }
}

/// <summary>
/// A ROS 2 params file (the <c>--params-file</c> format): top-level keys name nodes (<c>depth_node</c>,
/// <c>/ns/depth_node</c>, <c>/**</c>; namespaces may also nest as mappings), each with a <c>ros__parameters</c> mapping
/// whose nested mappings flatten to dotted names (<c>qos_overrides./image.subscription.depth</c>), as rcl reads them.
/// Broken YAML and a wrong layout are one <see cref="ParameterException"/> line with the file and position.
/// </summary>
public static class ParamsFile
{
    private const string ParametersKey = "ros__parameters";

    public static IReadOnlyList<ParamsFileSection> Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ParameterException($"params file {path}: {e.Message}");
        }
        return Parse(text, path);
    }

    public static IReadOnlyList<ParamsFileSection> Parse(string text, string path)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ParameterException($"{path}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException)
        {
            var (position, why) = FindError(text);
            throw new ParameterException($"{path}:{position}: not valid YAML: {why}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ParameterException($"{path}: not a ROS 2 params file (expected 'depth_node:' then 'ros__parameters:' with the parameters under it)");
        var sections = new List<ParamsFileSection>();
        CollectSections(root, "", path, sections);
        return sections;
    }

    private static void CollectSections(YamlMappingNode map, string prefix, string path, List<ParamsFileSection> sections)
    {
        foreach (var (k, v) in map.Children)
        {
            var key = Scalar(k, path);
            if (key == ParametersKey)
            {
                if (prefix.Length == 0) throw new ParameterException($"{At(path, k)}: 'ros__parameters' must be under a node name (e.g. 'depth_node:' or '/**:')");
                if (v is not YamlMappingNode parameters)
                    throw new ParameterException($"{At(path, v)}: 'ros__parameters' of {prefix} must be a mapping of parameter names to values");
                var list = new List<ParameterAssignment>();
                Flatten(parameters, "", path, list);
                sections.Add(new ParamsFileSection(prefix, list, At(path, k)));
                continue;
            }
            if (v is not YamlMappingNode inner)
                throw new ParameterException($"{At(path, v)}: '{key}' is not a node section (expected '{key}:' then 'ros__parameters:' with the parameters under it)");
            var name = prefix.Length == 0 ? key : prefix.TrimEnd('/') + "/" + key.TrimStart('/');
            CollectSections(inner, name, path, sections);
        }
    }

    private static void Flatten(YamlMappingNode map, string prefix, string path, List<ParameterAssignment> into)
    {
        foreach (var (k, v) in map.Children)
        {
            var name = prefix + Scalar(k, path);
            switch (v)
            {
                case YamlMappingNode nested:
                    Flatten(nested, name + ".", path, into);
                    break;
                case YamlSequenceNode sequence:
                    var items = new List<ParameterValue>();
                    foreach (var item in sequence.Children)
                    {
                        if (item is not YamlScalarNode s)
                            throw new ParameterException($"{At(path, item)}: parameter {name}: a list may only hold plain values, not lists or mappings");
                        items.Add(Value(s, path));
                    }
                    into.Add(new ParameterAssignment(name, ParameterValue.List(items, At(path, v))));
                    break;
                case YamlScalarNode scalar:
                    into.Add(new ParameterAssignment(name, Value(scalar, path)));
                    break;
            }
        }
    }

    /// <summary>Parses the value of <c>-p name:=value</c>, which rcl reads as YAML too (<c>[a, b]</c> is a list, <c>'1'</c> a string).</summary>
    public static ParameterValue ParseValue(string text, string source)
    {
        if (text.Length == 0) return ParameterValue.Scalar("", quoted: true, source);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ParameterException($"{source}: '{text}' is not a YAML value: {FirstLine(e.Message)}");
        }
        return stream.Documents[0].RootNode switch
        {
            YamlScalarNode s => ParameterValue.Scalar(s.Value ?? "", s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted, source),
            YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode) =>
                ParameterValue.List(seq.Children.Cast<YamlScalarNode>().Select(c => ParameterValue.Scalar(c.Value ?? "", c.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted, source)).ToArray(), source),
            _ => throw new ParameterException($"{source}: '{text}' is not a plain value or a list of plain values"),
        };
    }

    private static ParameterValue Value(YamlScalarNode s, string path) =>
        ParameterValue.Scalar(s.Value ?? "", s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted, At(path, s));

    private static string Scalar(YamlNode key, string path) => key is YamlScalarNode { Value: { } v }
        ? v
        : throw new ParameterException($"{At(path, key)}: keys must be plain names");

    private static string At(string path, YamlNode node) => $"{path}:{node.Start.Line}:{node.Start.Column}";

    /// <summary>Where the event parser stops on broken YAML and why. YamlDotNet's scanner throws a bare
    /// InvalidOperationException on some input (an unclosed '[' followed by more lines); then the last event it read
    /// is the nearest position known.</summary>
    private static (string Position, string Why) FindError(string text)
    {
        var parser = new Parser(new StringReader(text));
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext()) if (parser.Current is { } e) last = e.End;
        }
        catch (YamlException e) { return ($"{e.Start.Line}:{e.Start.Column}", FirstLine(e.Message)); }
        catch (InvalidOperationException) { }
        return ($"{last.Line}:{last.Column}", "after this point: an unclosed '[', '{' or quote, or a line that does not fit the structure");
    }

    private static string FirstLine(string message)
    {
        // YamlDotNet prefixes its own "(Line: 3, Col: 16, Idx: ...) - (...): " position; the line already says where.
        var text = message.Split('\n')[0];
        var cut = text.IndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && text.StartsWith('(') ? text[(cut + 3)..] : text;
    }
}
