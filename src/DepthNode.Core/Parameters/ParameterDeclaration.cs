using System.Globalization;
using System.Reflection;
using DepthNode.NodeLogic;
using DepthNode.RosGraph;

namespace DepthNode.Parameters;

/// <summary>The ROS type of a declared parameter (enums are strings with a fixed set of values).</summary>
public enum ParameterType { Bool, Integer, Double, String, StringList }

/// <summary>One row of the parameter table: name, type, default, what is allowed, and the property it sets.</summary>
public sealed class ParameterDeclaration
{
    private readonly PropertyInfo _property;
    private readonly ParameterAttribute _attribute;
    private readonly Type? _enum;

    internal ParameterDeclaration(PropertyInfo property, ParameterAttribute attribute, object defaults)
    {
        _property = property;
        _attribute = attribute;
        Name = attribute.Name ?? SnakeCase.From(property.Name);
        var t = property.PropertyType;
        if (t.IsEnum) _enum = t;
        Type = t == typeof(bool) ? ParameterType.Bool
            : t == typeof(int) || t == typeof(long) ? ParameterType.Integer
            : t == typeof(double) ? ParameterType.Double
            : t == typeof(string) || t.IsEnum ? ParameterType.String
            : t == typeof(IReadOnlyList<string>) ? ParameterType.StringList
            : throw new NotSupportedException($"{property.DeclaringType!.Name}.{property.Name}: {t.Name} is not a ROS parameter type");
        Default = property.GetValue(defaults)!;
        AllowedValues = _enum is not null ? Enum.GetNames(_enum).Select(SnakeCase.From).ToArray() : attribute.Allowed ?? [];
    }

    public string Name { get; }
    /// <summary>The options property it sets (for rules that span parameters: <c>Table.Of(nameof(X))</c>).</summary>
    public string PropertyName => _property.Name;
    public ParameterType Type { get; }
    public object Default { get; }
    public string Description => _attribute.Description;
    public string Group => _attribute.Group;
    public ParameterRule Rule => _attribute.Rule;
    /// <summary>The only values allowed (each element, for lists); empty = any of the type.</summary>
    public IReadOnlyList<string> AllowedValues { get; }

    public string TypeName => Type switch
    {
        ParameterType.Bool => "bool",
        ParameterType.Integer => "integer",
        ParameterType.Double => "double",
        ParameterType.String => "string",
        _ => "string[]",
    };

    /// <summary>What a value must be, in words: "an integer >= 1", "one of exact, approximate, cache_latest".</summary>
    public string Requirement
    {
        get
        {
            if (AllowedValues.Count > 0)
                return Type == ParameterType.StringList ? $"a list of {string.Join(", ", AllowedValues)}" : $"one of {string.Join(", ", AllowedValues)}";
            var what = (Type == ParameterType.Integer ? "an " : "a ") + TypeName;
            var range = NumericRange;
            var rule = Rule switch
            {
                ParameterRule.TopicName => " naming a ROS topic (relative, /absolute or ~/private; letters, digits, _ and /)",
                ParameterRule.OpticalFrameId => " naming an optical frame (REP 103: *_optical_frame or *_optical), or empty",
                _ => "",
            };
            return what + (range.Length > 0 ? " " + range : "") + rule;
        }
    }

    /// <summary>The allowed range or values (the README's "allowed" column); empty = any value of the type.</summary>
    public string Range
    {
        get
        {
            if (AllowedValues.Count > 0) return string.Join(", ", AllowedValues);
            var numeric = NumericRange;
            if (numeric.Length > 0) return numeric;
            return Rule switch
            {
                ParameterRule.TopicName => "ROS name",
                ParameterRule.OpticalFrameId => "optical frame or empty",
                _ => "",
            };
        }
    }

    private string NumericRange
    {
        get
        {
            var (min, max) = (_attribute.Min, _attribute.Max);
            string N(double v) => Type == ParameterType.Integer ? v.ToString("0", CultureInfo.InvariantCulture) : F(v);
            return (double.IsNaN(min), double.IsNaN(max)) switch
            {
                (false, false) => $"in {(_attribute.MinExclusive ? "(" : "[")}{N(min)}, {N(max)}]",
                (false, true) => $"{(_attribute.MinExclusive ? ">" : ">=")} {N(min)}",
                (true, false) => $"<= {N(max)}",
                _ => "",
            };
        }
    }

    /// <summary>Converts a value of the user's to the property's type; false with the problem when its type is wrong.
    /// An integer is accepted for a double (rclcpp refuses it; being strict there only produces launch-file churn).</summary>
    public bool TryConvert(ParameterValue value, out object result, out string problem)
    {
        result = Default;
        problem = "";
        switch (Type)
        {
            case ParameterType.Bool when value.Kind == ParameterValueKind.Bool:
                result = value.AsBool();
                return true;
            case ParameterType.Integer when value.Kind == ParameterValueKind.Integer:
                var l = value.AsInteger();
                if (_property.PropertyType == typeof(int) && (l < int.MinValue || l > int.MaxValue)) { problem = $"must be {Requirement}; it does not fit 32 bits"; return false; }
                result = _property.PropertyType == typeof(int) ? (object)(int)l : l;
                return true;
            case ParameterType.Double when value.Kind is ParameterValueKind.Double or ParameterValueKind.Integer:
                result = value.AsDouble();
                return true;
            case ParameterType.String when value.Kind != ParameterValueKind.List:
                if (_enum is not null)
                {
                    foreach (var member in Enum.GetValues(_enum))
                        if (SnakeCase.From(member.ToString()!) == value.Text) { result = member; return true; }
                    problem = $"must be {Requirement}";
                    return false;
                }
                result = value.Text;
                return true;
            case ParameterType.StringList when value.Kind == ParameterValueKind.List && value.Items.All(i => i.Kind == ParameterValueKind.String):
                result = value.Items.Select(i => i.Text).ToArray();
                return true;
        }
        problem = $"is {KindName(value.Kind)}, must be {Requirement}";
        return false;
    }

    /// <summary>What is wrong with a converted value (range, allowed values, naming rule), or null.</summary>
    public string? Check(object value)
    {
        switch (value)
        {
            case int or long or double:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                var (min, max) = (_attribute.Min, _attribute.Max);
                if (double.IsNaN(d) || (!double.IsNaN(min) && (d < min || (_attribute.MinExclusive && d == min))) || (!double.IsNaN(max) && d > max))
                    return $"must be {Requirement}";
                break;
            case string s when _enum is null:
                if (AllowedValues.Count > 0 && !AllowedValues.Contains(s)) return $"must be {Requirement}";
                if (Rule == ParameterRule.TopicName && RosName.ValidateTopic(s) is { } why) return $"is not a valid ROS name ({why})";
                if (Rule == ParameterRule.OpticalFrameId && s.Length > 0 && !IsOpticalFrame(s))
                    return "is not an optical frame: depth and clouds are in the camera's optical frame (REP 103: z forward, x right, " +
                        "y down), named *_optical_frame or *_optical; leave it empty to keep the image's frame_id";
                break;
            case IReadOnlyList<string> list:
                if (list.Count == 0) return $"must be {Requirement}, not empty";
                if (AllowedValues.Count > 0 && list.FirstOrDefault(e => !AllowedValues.Contains(e)) is { } bad)
                    return $"has '{bad}'; must be {Requirement}";
                break;
        }
        return null;
    }

    public object Get(object options) => _property.GetValue(options)!;
    internal void Set(object options, object value) => _property.SetValue(options, value);

    /// <summary>A value as YAML writes it (config/depth_node.yaml, the README table).</summary>
    public string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => F(d),
        Enum e => SnakeCase.From(e.ToString()),
        string s => s.Length == 0 ? "\"\"" : s,
        IReadOnlyList<string> list => "[" + string.Join(", ", list) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static bool IsOpticalFrame(string frame) =>
        frame.EndsWith("_optical_frame", StringComparison.Ordinal) || frame.EndsWith("_optical", StringComparison.Ordinal);

    private static string KindName(ParameterValueKind kind) => kind switch
    {
        ParameterValueKind.Bool => "a bool",
        ParameterValueKind.Integer => "an integer",
        ParameterValueKind.Double => "a double",
        ParameterValueKind.String => "a string",
        _ => "a list",
    };

    private static string F(double d) => d.ToString(d == Math.Floor(d) && Math.Abs(d) < 1e15 ? "0.0" : "0.###############", CultureInfo.InvariantCulture);
}
