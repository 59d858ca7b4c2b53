namespace DepthNode.RosGraph;

/// <summary>Turns the topic names a node uses into the names it is connected to: expanded for the node's name and
/// namespace, then remapped by the first rule whose expanded <c>from</c> equals it (rcl's order).</summary>
public sealed class TopicNameResolver(string nodeName, string ns, IReadOnlyList<RemapRule> rules)
{
    public string NodeName { get; } = nodeName;
    public string Namespace { get; } = ns;
    public string FullName => RosName.FullName(NodeName, Namespace);

    public string Resolve(string name)
    {
        var expanded = RosName.Expand(name, NodeName, Namespace);
        foreach (var rule in rules)
        {
            if (rule.IsNodeName || rule.IsNamespace || !rule.AppliesTo(NodeName)) continue;
            if (RosName.Expand(rule.From, NodeName, Namespace) == expanded) return RosName.Expand(rule.To, NodeName, Namespace);
        }
        return expanded;
    }
}
