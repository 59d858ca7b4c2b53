namespace DepthNode.Parameters;

/// <summary>What a string parameter must look like beyond its type.</summary>
public enum ParameterRule
{
    None,
    /// <summary>A ROS topic or namespace name: relative, absolute or <c>~/</c> private (resolved at start).</summary>
    TopicName,
    /// <summary>Empty, or an optical frame (REP 103: z forward, x right, y down; named <c>*_optical_frame</c> or <c>*_optical</c>).</summary>
    OpticalFrameId,
}

/// <summary>
/// Declares a property of an options record as a ROS parameter. The parameter's name is the property's name in
/// snake_case (<see cref="Name"/> only when that spelling would be wrong), its type the property's type and its default
/// the record's initial value, so each parameter is written once: <see cref="ParameterTable"/> reads these declarations
/// for the params file, <c>-p</c>, validation and the README table.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ParameterAttribute(string description) : Attribute
{
    public string Description { get; } = description;
    /// <summary>The parameter's name when the snake_case of the property's name is not it (e.g. <c>tensorrt_fp16</c>).</summary>
    public string? Name { get; init; }
    /// <summary>Smallest allowed value (numbers); NaN = none.</summary>
    public double Min { get; init; } = double.NaN;
    /// <summary>Largest allowed value (numbers); NaN = none.</summary>
    public double Max { get; init; } = double.NaN;
    /// <summary>The minimum itself is not allowed (e.g. a scale in (0, 1]).</summary>
    public bool MinExclusive { get; init; }
    /// <summary>The only values a string (or each element of a string list) may take. Enums list their own.</summary>
    public string[]? Allowed { get; init; }
    public ParameterRule Rule { get; init; }
    /// <summary>Heading the parameter is listed under in config/depth_node.yaml and the README.</summary>
    public string Group { get; init; } = "";
}
