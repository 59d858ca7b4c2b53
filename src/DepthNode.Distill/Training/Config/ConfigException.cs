namespace DepthNode.Distill.Training.Config;

/// <summary>A config value that is missing, unknown or out of range: one line naming the file, the key and what is allowed.</summary>
public sealed class ConfigException(string file, string key, string problem) : FormatException($"{file}: {key} {problem}")
{
    public string Key { get; } = key;
}
