namespace DepthNode.CommandLine;

/// <summary>
/// Parsed command-line arguments: positionals in order, <c>--name value</c> options and <c>--flag</c> switches.
/// Which names take a value is declared by the caller, so <c>--json</c> never swallows the next positional.
/// Every option must be consumed; <see cref="EnsureAllUsed"/> rejects typos instead of ignoring them.
/// </summary>
public sealed class Arguments
{
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public static Arguments Parse(IReadOnlyList<string> argv, IReadOnlyCollection<string> valueOptions)
    {
        var a = new Arguments();
        for (var i = 0; i < argv.Count; i++)
        {
            var s = argv[i];
            if (s.StartsWith("--", StringComparison.Ordinal) && s.Length > 2)
            {
                var name = s[2..];
                string? inline = null;
                var eq = name.IndexOf('=');
                if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
                if (valueOptions.Contains(name))
                {
                    if (inline is null)
                    {
                        if (i + 1 >= argv.Count) throw new CliException($"option --{name} needs a value", 2);
                        inline = argv[++i];
                    }
                    if (!a._options.TryGetValue(name, out var values)) a._options[name] = values = [];
                    values.Add(inline);
                }
                else
                {
                    if (inline is not null) throw new CliException($"option --{name} takes no value", 2);
                    a._flags.Add(name);
                }
            }
            else a._positionals.Add(s);
        }
        return a;
    }

    public bool Flag(string name) { _used.Add(name); return _flags.Contains(name); }

    /// <summary>The option's value; the last one when it was given more than once.</summary>
    public string? Option(string name) { _used.Add(name); return _options.GetValueOrDefault(name)?[^1]; }

    /// <summary>Every value of a repeatable option (<c>--model a --model b</c>), in order; empty when absent.</summary>
    public IReadOnlyList<string> Options(string name) { _used.Add(name); return _options.GetValueOrDefault(name) ?? []; }

    public string Required(string name) =>
        Option(name) ?? throw new CliException($"missing required option --{name}", 2);

    private int IntOption(string name, int fallback)
    {
        var s = Option(name);
        if (s is null) return fallback;
        return int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw new CliException($"option --{name} expects an integer, got '{s}'", 2);
    }

    /// <summary>An integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>];
    /// <paramref name="meaning"/> says what special values mean, e.g. "0 = every frame".</summary>
    public int IntOption(string name, int fallback, int min, int max = int.MaxValue, string? meaning = null)
    {
        var v = IntOption(name, fallback);
        if (v >= min && v <= max) return v;
        var range = max == int.MaxValue ? $"an integer >= {min}" : $"an integer from {min} to {max}";
        throw new CliException($"option --{name} must be {range}{(meaning is null ? "" : $" ({meaning})")}, got {v}", 2);
    }

    public string Positional(int index, string what) =>
        index < _positionals.Count ? _positionals[index] : throw new CliException($"missing argument <{what}>", 2);

    public void EnsureAllUsed(int positionalCount)
    {
        foreach (var k in _options.Keys) if (!_used.Contains(k)) throw new CliException($"unknown option --{k}", 2);
        foreach (var k in _flags) if (!_used.Contains(k)) throw new CliException($"unknown option --{k}", 2);
        if (_positionals.Count > positionalCount)
            throw new CliException($"unexpected argument '{_positionals[positionalCount]}'", 2);
    }
}
