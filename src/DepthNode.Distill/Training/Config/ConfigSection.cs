using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Distill.Training.Config;

/// <summary>
/// One mapping of the training YAML with typed, range-checked reads. Every key read is remembered, so
/// <see cref="EnsureAllUsed"/> refuses a misspelt key instead of silently training with a default.
/// </summary>
public sealed class ConfigSection
{
    private readonly YamlMappingNode _map;
    private readonly HashSet<string> _used = [];

    public ConfigSection(string file, string path, YamlMappingNode map) => (File, Path, _map) = (file, path, map);

    public string File { get; }
    public string Path { get; }

    private string Key(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    private YamlNode? Get(string key)
    {
        _used.Add(key);
        return _map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;
    }

    private string? Scalar(string key) => Get(key) switch
    {
        null => null,
        YamlScalarNode { Value: var v } => string.IsNullOrEmpty(v) || v == "~" || v == "null" ? null : v,
        _ => throw new ConfigException(File, Key(key), "must be a single value"),
    };

    public bool Has(string key) => _map.Children.ContainsKey(new YamlScalarNode(key));

    public string? String(string key) => Scalar(key);

    public string RequiredString(string key, string what) =>
        Scalar(key) ?? throw new ConfigException(File, Key(key), $"is missing ({what})");

    public int Int(string key, int fallback, int min, int max = int.MaxValue, string? meaning = null)
    {
        var s = Scalar(key);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new ConfigException(File, Key(key), $"must be an integer {(max == int.MaxValue ? $"≥ {min}" : $"from {min} to {max}")}{(meaning is null ? "" : $" ({meaning})")}, got '{s}'");
        return v;
    }

    public long Long(string key, long fallback, long min)
    {
        var s = Scalar(key);
        if (s is null) return fallback;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
            throw new ConfigException(File, Key(key), $"must be an integer ≥ {min}, got '{s}'");
        return v;
    }

    /// <summary>A finite number in [min, max] (maxExclusive: below max).</summary>
    public double Double(string key, double fallback, double min, double max = double.PositiveInfinity, bool maxExclusive = false)
    {
        var s = Scalar(key);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < min
            || (maxExclusive ? v >= max : v > max))
            throw new ConfigException(File, Key(key), $"must be a number ≥ {min.ToString(CultureInfo.InvariantCulture)}" +
                (double.IsPositiveInfinity(max) ? "" : $" and {(maxExclusive ? "<" : "≤")} {max.ToString(CultureInfo.InvariantCulture)}") + $", got '{s}'");
        return v;
    }

    public bool Bool(string key, bool fallback)
    {
        var s = Scalar(key);
        if (s is null) return fallback;
        return s switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new ConfigException(File, Key(key), $"must be true or false, got '{s}'"),
        };
    }

    public T Choice<T>(string key, T fallback, params (string Text, T Value)[] choices)
    {
        var s = Scalar(key);
        if (s is null) return fallback;
        foreach (var (text, value) in choices) if (text == s) return value;
        throw new ConfigException(File, Key(key), $"must be one of {string.Join(", ", choices.Select(c => c.Text))}, got '{s}'");
    }

    public ConfigSection? Section(string key) => Get(key) switch
    {
        null => null,
        YamlMappingNode m => new ConfigSection(File, Key(key), m),
        YamlScalarNode { Value: null or "" or "~" or "null" } => null,
        _ => throw new ConfigException(File, Key(key), "must be a mapping (key: value lines)"),
    };

    public IReadOnlyList<ConfigSection> List(string key) => Get(key) switch
    {
        null => [],
        YamlSequenceNode s => s.Children.Select((n, i) => n is YamlMappingNode m
            ? new ConfigSection(File, $"{Key(key)}[{i}]", m)
            : throw new ConfigException(File, $"{Key(key)}[{i}]", "must be a mapping (key: value lines)")).ToList(),
        _ => throw new ConfigException(File, Key(key), "must be a list (lines starting with '- ')"),
    };

    /// <summary>Refuses any key of this mapping that nothing read.</summary>
    public void EnsureAllUsed()
    {
        foreach (var k in _map.Children.Keys)
        {
            var name = (k as YamlScalarNode)?.Value ?? "?";
            if (!_used.Contains(name))
                throw new ConfigException(File, Key(name), $"is not a known key (known here: {string.Join(", ", _used.Order())})");
        }
    }
}
