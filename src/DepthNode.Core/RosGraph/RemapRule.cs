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
