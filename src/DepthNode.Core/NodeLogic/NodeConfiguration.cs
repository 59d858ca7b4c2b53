using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.Parameters;
using DepthNode.RosGraph;

namespace DepthNode.NodeLogic;

/// <summary>Every topic the node may use.</summary>
public enum NodeTopic { Image, CameraInfo, SparseDepth, Depth, DepthCameraInfo, Cloud, Colorized, Metadata, Diagnostics }

/// <summary>One topic as the node uses it: its resolved name (namespace and remaps applied), type, direction and QoS.</summary>
public sealed record ResolvedTopic(NodeTopic Role, string Name, string MessageType, bool IsPublisher, QosProfile Qos)
{
    public override string ToString() => $"{(IsPublisher ? "publishes" : "subscribes")} {Name} ({MessageType}; {Qos})";
}

/// <summary>
/// What a node started from a command line is: its name and namespace, its validated parameters, log level, and every
/// topic it subscribes or publishes with the resolved name and QoS. Built once at start from the ROS arguments
/// (<see cref="RosArguments"/>) as rcl/rclcpp would: params files in order, their sections for this node in file order,
/// then <c>-p</c> (later wins, <c>-p</c> over files); names expanded under the namespace and remapped. Every problem
/// found is one line of a single <see cref="ParameterException"/>. The ROS adapter creates its subscriptions and
/// publishers from <see cref="Topics"/>; <c>depthnode run</c> uses the same names.
/// </summary>
public sealed class NodeConfiguration
{
    public const string DefaultNodeName = "depth_node";
    private const string QosOverridesPrefix = "qos_overrides.";
    private static readonly string[] QosPolicies = ["history", "depth", "reliability", "durability"];

    private readonly ResolvedTopic?[] _byRole;
    private readonly TopicNameResolver _resolver;

    private NodeConfiguration(TopicNameResolver resolver, LogLevel logLevel, DepthNodeOptions options, IReadOnlyList<ResolvedTopic> topics)
    {
        _resolver = resolver;
        var (nodeName, ns) = (resolver.NodeName, resolver.Namespace);
        NodeName = nodeName;
        Namespace = ns;
        LogLevel = logLevel;
        Options = options;
        Topics = topics;
        _byRole = new ResolvedTopic?[Enum.GetValues<NodeTopic>().Length];
        foreach (var t in topics) _byRole[(int)t.Role] = t;
    }

    public string NodeName { get; }
    public string Namespace { get; }
    public string FullName => RosName.FullName(NodeName, Namespace);
    public LogLevel LogLevel { get; }
    public DepthNodeOptions Options { get; }
    /// <summary>The topics in use (disabled outputs and an unused sparse depth input are left out).</summary>
    public IReadOnlyList<ResolvedTopic> Topics { get; }

    /// <summary>The topic of a role, or null when the configuration does not use it.</summary>
    public ResolvedTopic? Topic(NodeTopic role) => _byRole[(int)role];

    /// <summary>The resolved name of a role's topic (also for roles not in use, for messages).</summary>
    public string NameOf(NodeTopic role) => Topic(role)?.Name ?? "(not used)";

    /// <summary>A topic name as this node resolves it (namespace, private names, remaps).</summary>
    public string ResolveName(string name) => _resolver.Resolve(name);

    /// <summary>From the process's arguments: <paramref name="argv"/> as the program got them (non-ROS ones are ignored).</summary>
    public static NodeConfiguration FromArguments(IReadOnlyList<string> argv, string nodeName = DefaultNodeName, string ns = "/") =>
        FromRosArguments(RosArguments.Parse(argv), nodeName, ns);

    /// <summary>Options given in code (tests, the CLI's own flags), for a node in the root namespace without remaps.</summary>
    public static NodeConfiguration ForOptions(DepthNodeOptions options, string nodeName = DefaultNodeName, string ns = "/")
    {
        var errors = new List<string>();
        options.Validate(null, errors);
        var (configuration, _) = Resolve(options, [], nodeName, ns, LogLevel.Info, null, errors);
        return errors.Count > 0 ? throw new ParameterException(errors) : configuration;
    }

    public static NodeConfiguration FromRosArguments(RosArguments args, string nodeName = DefaultNodeName, string ns = "/")
    {
        var errors = new List<string>();
        // __node and __ns: the first rule for this node wins, as rcl; node-specific rules name the node's original name.
        var original = nodeName;
        if (args.Remaps.FirstOrDefault(r => r.IsNodeName && r.AppliesTo(original)) is { } rename)
        {
            if (RosName.ValidateNodeName(rename.To) is { } why) errors.Add($"--ros-args -r {rename}: node name '{rename.To}' {why}");
            else nodeName = rename.To;
        }
        if (args.Remaps.FirstOrDefault(r => r.IsNamespace && r.AppliesTo(original)) is { } move)
        {
            if (RosName.ValidateNamespace(move.To) is { } why) errors.Add($"--ros-args -r {move}: namespace '{move.To}' is not valid: {why}");
            else ns = move.To.Length > 1 ? move.To.TrimEnd('/') : move.To;
        }
        var fullName = RosName.FullName(nodeName, ns);

        // Parameters: files in order, each file's sections for this node in order, then -p.
        var assignments = new List<ParameterAssignment>();
        foreach (var file in args.ParamsFiles)
        {
            IReadOnlyList<ParamsFileSection> sections;
            try { sections = ParamsFile.Load(file); }
            catch (ParameterException e) { errors.AddRange(e.Lines); continue; }
            var mine = sections.Where(s => s.AppliesTo(fullName)).ToList();
            if (mine.Count == 0)
            {
                errors.Add($"{file}: no section for this node ({fullName}); the file has {string.Join(", ", sections.Select(s => $"'{s.NodePattern}'"))}" +
                    " (a section applies when its key is the node's full name, its name in the root namespace, or a wildcard such as /** or /**/" + nodeName + ")");
                continue;
            }
            foreach (var s in mine) assignments.AddRange(s.Parameters);
        }
        assignments.AddRange(args.Parameters);

        var qosOverrides = assignments.Where(a => a.Name.StartsWith(QosOverridesPrefix, StringComparison.Ordinal)).ToList();
        var options = DepthNodeOptions.Table.Build(assignments.Except(qosOverrides), errors, out var sources);
        options.Validate(sources, errors);
        var (configuration, unused) = Resolve(options, qosOverrides, nodeName, ns, args.LogLevelFor(nodeName) ?? LogLevel.Info,
            args.Remaps, errors);
        foreach (var o in unused)
            errors.Add($"{o.Value.Source}: parameter {o.Name}: this node has no {Describe(o.Name)}; its topics are {string.Join(", ", configuration.Topics.Select(t => t.Name))}");
        if (errors.Count > 0) throw new ParameterException(errors);
        return configuration;
    }

    /// <summary>The lines logged once at start: who the node is and every topic with its QoS.</summary>
    public IEnumerable<string> DescribeLines()
    {
        yield return $"node {FullName}: metric source {SnakeCase.From(Options.MetricSource.ToString())}, model {Options.Model}";
        foreach (var t in Topics) yield return "  " + t;
    }

    private static (NodeConfiguration, List<ParameterAssignment>) Resolve(DepthNodeOptions o, List<ParameterAssignment> qosOverrides,
        string nodeName, string ns, LogLevel level, IReadOnlyList<RemapRule>? remaps, List<string> errors)
    {
        var resolver = new TopicNameResolver(nodeName, ns, remaps ?? []);
        var topics = new List<ResolvedTopic>();
        var used = new HashSet<ParameterAssignment>();
        void Add(NodeTopic role, string name, string type, bool publisher)
        {
            if (RosName.ValidateTopic(name) is not null) return; // the parameter's own line already says why
            var resolved = resolver.Resolve(name);
            if (RosName.ValidateTopic(resolved) is { } why)
            {
                errors.Add($"{role}: topic '{name}' resolves to '{resolved}', which is not a valid name ({why})");
                return;
            }
            var qos = publisher ? o.OutputQos : o.InputQos;
            var entity = publisher ? "publisher" : "subscription";
            foreach (var a in qosOverrides)
            {
                var rest = a.Name[QosOverridesPrefix.Length..];
                var prefix = resolved + "." + entity + ".";
                if (!rest.StartsWith(prefix, StringComparison.Ordinal)) continue;
                used.Add(a);
                qos = Override(qos, rest[prefix.Length..], a, errors);
            }
            topics.Add(new ResolvedTopic(role, resolved, type, publisher, qos));
        }
        var output = o.OutputNamespace;
        string Out(string leaf) => output.EndsWith('/') ? output + leaf : output + "/" + leaf;
        Add(NodeTopic.Image, o.ImageTransport == ImageTransport.Raw ? o.ImageTopic : o.CompressedImageTopic,
            o.ImageTransport == ImageTransport.Raw ? Image.RosTypeName : CompressedImage.RosTypeName, false);
        Add(NodeTopic.CameraInfo, o.CameraInfoTopic, CameraInfo.RosTypeName, false);
        if (o.MetricSource == MetricSource.SparseDepth) Add(NodeTopic.SparseDepth, o.SparseDepthTopic, Image.RosTypeName, false);
        if (o.PublishDepth) Add(NodeTopic.Depth, Out("image"), Image.RosTypeName, true);
        Add(NodeTopic.DepthCameraInfo, Out("camera_info"), CameraInfo.RosTypeName, true);
        if (o.PublishCloud) Add(NodeTopic.Cloud, Out("points"), PointCloud2.RosTypeName, true);
        if (o.PublishColorized) Add(NodeTopic.Colorized, Out("colorized"), Image.RosTypeName, true);
        Add(NodeTopic.Metadata, Out("metadata"), DepthMetadata.RosTypeName, true);
        Add(NodeTopic.Diagnostics, "/diagnostics", DiagnosticArray.RosTypeName, true);
        return (new NodeConfiguration(resolver, level, o, topics), qosOverrides.Where(a => !used.Contains(a)).ToList());
    }

    private static QosProfile Override(QosProfile qos, string policy, ParameterAssignment a, List<string> errors)
    {
        string Bad(string allowed) => ParameterTable<DepthNodeOptions>.Line(a.Value.Source, a.Name, a.Value.Display, "must be " + allowed);
        switch (policy)
        {
            case "depth":
                if (a.Value.Kind == ParameterValueKind.Integer && a.Value.AsInteger() is >= 1 and <= 1000) return qos with { Depth = (int)a.Value.AsInteger() };
                errors.Add(Bad("an integer in [1, 1000]"));
                return qos;
            case "history":
                return ParseEnum<QosHistory>(a, errors, Bad) is { } h ? qos with { History = h } : qos;
            case "reliability":
                return ParseEnum<QosReliability>(a, errors, Bad) is { } r ? qos with { Reliability = r } : qos;
            case "durability":
                return ParseEnum<QosDurability>(a, errors, Bad) is { } d ? qos with { Durability = d } : qos;
            default:
                errors.Add($"{a.Value.Source}: parameter {a.Name}: '{policy}' is not a QoS policy this node reads ({string.Join(", ", QosPolicies)})");
                return qos;
        }
    }

    private static T? ParseEnum<T>(ParameterAssignment a, List<string> errors, Func<string, string> bad) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
            if (a.Value.Kind == ParameterValueKind.String && SnakeCase.From(v.ToString()) == a.Value.Text) return v;
        errors.Add(bad("one of " + string.Join(", ", Enum.GetNames<T>().Select(SnakeCase.From))));
        return null;
    }

    private static string Describe(string name)
    {
        // qos_overrides.<topic>.<entity>.<policy>: name the topic and entity the user meant
        var rest = name[QosOverridesPrefix.Length..];
        var parts = rest.Split('.');
        return parts.Length >= 3 ? $"{parts[^2]} on {string.Join('.', parts[..^2])}" : "such QoS override (qos_overrides.<topic>.<publisher|subscription>.<policy>)";
    }
}
