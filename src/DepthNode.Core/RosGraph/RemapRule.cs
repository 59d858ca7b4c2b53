namespace DepthNode.RosGraph;

/// <summary>
/// A <c>-r [node:]from:=to</c> remapping rule. <c>from</c> <c>__node</c> / <c>__name</c> renames the node and
/// <c>__ns</c> moves it; any other <c>from</c> is a topic name. <see cref="Node"/> limits the rule to one node.
/// </summary>
public sealed record RemapRule(string? Node, string From, string To)
{
    public bool IsNodeName => From is "__node" or "__name";
    public bool IsNamespace => From == "__ns";

    public bool AppliesTo(string nodeName) => Node is null || Node == nodeName;

    public override string ToString() => (Node is null ? "" : Node + ":") + From + ":=" + To;
}

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
