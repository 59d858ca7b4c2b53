namespace DepthNode.Parameters;

/// <summary><c>name := value</c>, from a params file section or a <c>-p</c> argument.</summary>
public sealed record ParameterAssignment(string Name, ParameterValue Value);
