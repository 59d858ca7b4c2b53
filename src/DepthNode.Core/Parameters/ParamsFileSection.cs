using System.Text.RegularExpressions;

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
