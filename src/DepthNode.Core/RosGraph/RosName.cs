namespace DepthNode.RosGraph;

/// <summary>
/// ROS 2 topic, namespace and node names (design article "Topic and Service names"): which ones are valid and how a
/// relative (<c>image</c>), private (<c>~/image</c>) or absolute (<c>/camera/image</c>) name expands for a node.
/// </summary>
public static class RosName
{
    /// <summary>Why a topic name (before expansion) is invalid, or null when it is valid.</summary>
    public static string? ValidateTopic(string name)
    {
        if (name.Length == 0) return "empty";
        if (name.EndsWith('/') && name != "/") return "ends with '/'";
        if (name.Contains("//", StringComparison.Ordinal)) return "contains '//'";
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '~')
            {
                if (i != 0 || (name.Length > 1 && name[1] != '/')) return "'~' may only start the name, as '~' or '~/'";
                continue;
            }
            if (c is '{' or '}') continue; // {node} and {ns} substitutions; checked after expansion
            if (c != '/' && c != '_' && !char.IsAsciiLetterOrDigit(c)) return $"'{c}' is not allowed (letters, digits, '_' and '/')";
            if (char.IsAsciiDigit(c) && (i == 0 || name[i - 1] == '/')) return "a name token may not start with a digit";
        }
        return null;
    }

    /// <summary>Why a namespace (<c>__ns</c>) is invalid, or null. Namespaces are absolute.</summary>
    public static string? ValidateNamespace(string ns)
    {
        if (!ns.StartsWith('/')) return "a namespace must be absolute (start with '/')";
        if (ns == "/") return null;
        if (ns.Contains('~') || ns.Contains('{')) return "'~' and substitutions are not allowed in a namespace";
        return ValidateTopic(ns);
    }

    /// <summary>Why a node name (<c>__node</c>) is invalid, or null: one token of letters, digits and '_'.</summary>
    public static string? ValidateNodeName(string name)
    {
        if (name.Length == 0) return "empty";
        if (char.IsAsciiDigit(name[0])) return "may not start with a digit";
        foreach (var c in name)
            if (c != '_' && !char.IsAsciiLetterOrDigit(c)) return $"'{c}' is not allowed (letters, digits and '_')";
        return null;
    }

    /// <summary>The node's fully qualified name: <c>/ns/node</c>.</summary>
    public static string FullName(string nodeName, string ns) => ns == "/" ? "/" + nodeName : ns + "/" + nodeName;

    /// <summary>Expands a valid topic name for a node as rcl does: <c>~</c> is the node's full name, <c>{node}</c> and
    /// <c>{ns}</c> are substituted, a relative name goes under the namespace, an absolute one stays.</summary>
    public static string Expand(string name, string nodeName, string ns)
    {
        var full = FullName(nodeName, ns);
        if (name == "~") return full;
        if (name.StartsWith("~/", StringComparison.Ordinal)) name = full + name[1..];
        name = name.Replace("{node}", nodeName, StringComparison.Ordinal)
            .Replace("{namespace}", ns, StringComparison.Ordinal)
            .Replace("{ns}", ns, StringComparison.Ordinal);
        if (name.StartsWith('/')) return name.Replace("//", "/", StringComparison.Ordinal);
        return ns == "/" ? "/" + name : ns + "/" + name;
    }
}
