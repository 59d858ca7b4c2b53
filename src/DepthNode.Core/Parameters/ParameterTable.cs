using System.Reflection;
using System.Text;

namespace DepthNode.Parameters;

/// <summary>
/// The declared parameters of an options record (<typeparamref name="T"/>), read from its <see cref="ParameterAttribute"/>
/// properties in declaration order. One table drives the params file and <c>-p</c> (names, types), validation (ranges,
/// allowed values, naming rules) and the documentation (<see cref="ToMarkdown"/>).
/// </summary>
public sealed class ParameterTable<T> where T : class, new()
{
    public static ParameterTable<T> Instance { get; } = new();

    private ParameterTable()
    {
        var defaults = new T();
        Declarations = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<ParameterAttribute>() is not null)
            .OrderBy(p => p.MetadataToken) // declaration order: the order of config/depth_node.yaml
            .Select(p => new ParameterDeclaration(p, p.GetCustomAttribute<ParameterAttribute>()!, defaults))
            .ToArray();
        var duplicate = Declarations.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"{typeof(T).Name}: parameter '{duplicate.Key}' declared twice");
    }

    public IReadOnlyList<ParameterDeclaration> Declarations { get; }

    public ParameterDeclaration? Find(string name) => Declarations.FirstOrDefault(d => d.Name == name);

    /// <summary>The declaration of a property (<c>nameof</c>), so that code never spells a parameter name again.</summary>
    public ParameterDeclaration Of(string propertyName) => Declarations.First(d => d.PropertyName == propertyName);

    /// <summary>
    /// The defaults with every assignment applied in order (a later one wins, as in rcl). A value of the wrong type or
    /// an unknown name adds one line to <paramref name="errors"/> and leaves the parameter as it was. Returns where
    /// each parameter's final value came from, for <see cref="Check"/>.
    /// </summary>
    public T Build(IEnumerable<ParameterAssignment> assignments, List<string> errors, out Dictionary<string, ParameterValue> sources)
    {
        var options = new T();
        sources = new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
        foreach (var a in assignments)
        {
            var declaration = Find(a.Name);
            if (declaration is null)
            {
                var near = Nearest(a.Name);
                errors.Add($"{a.Value.Source}: unknown parameter '{a.Name}'" + (near is null ? "" : $" (did you mean '{near}'?)"));
                continue;
            }
            if (!declaration.TryConvert(a.Value, out var value, out var problem))
            {
                errors.Add(Line(a.Value.Source, declaration.Name, a.Value.Display, problem));
                sources.Remove(declaration.Name); // an earlier good value must not be blamed on this source
                continue;
            }
            declaration.Set(options, value);
            sources[declaration.Name] = a.Value;
        }
        return options;
    }

    /// <summary>One line per parameter whose value is outside what its declaration allows.</summary>
    public void Check(T options, IReadOnlyDictionary<string, ParameterValue>? sources, List<string> errors)
    {
        foreach (var d in Declarations)
        {
            var value = d.Get(options);
            if (d.Check(value) is not { } problem) continue;
            var source = sources is not null && sources.TryGetValue(d.Name, out var v) ? v : null;
            errors.Add(Line(source?.Source ?? "default", d.Name, source?.Display ?? d.Format(value), problem));
        }
    }

    /// <summary>The shape of every error line: where, which parameter, its value, what is wrong.</summary>
    public static string Line(string source, string name, string value, string problem) => $"{source}: parameter {name} = {value} {problem}";

    /// <summary>The README's parameter table.</summary>
    public string ToMarkdown()
    {
        var s = new StringBuilder();
        s.AppendLine("| parameter | type | default | allowed | description |");
        s.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var d in Declarations)
            s.AppendLine($"| `{d.Name}` | {d.TypeName} | `{d.Format(d.Default)}` | {d.Range} | {d.Description} |");
        return s.ToString();
    }

    private string? Nearest(string name)
    {
        string? best = null;
        var bestDistance = 3; // a typo, not a different word
        foreach (var d in Declarations)
        {
            var distance = EditDistance(name, d.Name);
            if (distance <= bestDistance && (best is null || distance < bestDistance)) (best, bestDistance) = (d.Name, distance);
        }
        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
