namespace DepthNode.NodeLogic;

/// <summary>ROS parameter and diagnostic keys are snake_case; C# members are PascalCase.</summary>
public static class SnakeCase
{
    public static string From(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
