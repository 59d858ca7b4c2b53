using System.Globalization;

namespace DepthNode.Parameters;

/// <summary>The type a YAML value has by ROS's rules (rcl_yaml_param_parser): unquoted true/false are booleans,
/// whole numbers integers, other numbers doubles, everything else (and anything quoted) a string.</summary>
public enum ParameterValueKind { Bool, Integer, Double, String, List }

/// <summary>
/// One parameter value as written by the user, typed as ROS types it, with where it came from
/// (<c>file.yaml:12:5</c> or <c>-p</c>) so that an error can point at it.
/// </summary>
public sealed record ParameterValue(ParameterValueKind Kind, string Text, IReadOnlyList<ParameterValue> Items, string Source)
{
    /// <summary>Types a YAML scalar. <paramref name="quoted"/>: written in quotes, hence a string whatever it reads.</summary>
    public static ParameterValue Scalar(string text, bool quoted, string source)
    {
        if (quoted) return new(ParameterValueKind.String, text, [], source);
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
            return new(ParameterValueKind.Bool, text, [], source);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            return new(ParameterValueKind.Integer, text, [], source);
        if (text is ".inf" or "-.inf" or ".nan" ||
            (text.Length > 0 && (char.IsDigit(text[^1]) || text[^1] == '.') &&
             double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            return new(ParameterValueKind.Double, text, [], source);
        return new(ParameterValueKind.String, text, [], source);
    }

    public static ParameterValue List(IReadOnlyList<ParameterValue> items, string source) =>
        new(ParameterValueKind.List, "[" + string.Join(", ", items.Select(i => i.Text)) + "]", items, source);

    /// <summary>The value as a message shows it: strings quoted so that an empty or spaced value is visible.</summary>
    public string Display => Kind == ParameterValueKind.String ? $"'{Text}'" : Text;

    public bool AsBool() => Text is "true" or "True" or "TRUE";
    public long AsInteger() => long.Parse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    public double AsDouble() => Text switch
    {
        ".inf" => double.PositiveInfinity,
        "-.inf" => double.NegativeInfinity,
        ".nan" => double.NaN,
        _ => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
