using System.Globalization;

namespace DepthNode.Cdr;

/// <summary>Primitive types of the ROS 2 .msg language. <c>char</c> is an unsigned byte in ROS 2, <c>byte</c> an octet.</summary>
public enum RosPrimitive
{
    None, Bool, Byte, Char, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float32, Float64, String, WString,
}

public enum RosArrayKind { None, Fixed, Bounded, Unbounded }

/// <summary>One field of a message type. Either <see cref="Primitive"/> is set or <see cref="Message"/> is.</summary>
public sealed class RosMsgField
{
    internal RosMsgField(string name, string qualifiedName, RosPrimitive primitive, string? complexTypeName,
        RosArrayKind arrayKind, int arrayLength, int stringBound)
    {
        Name = name; QualifiedName = qualifiedName; Primitive = primitive; ComplexTypeName = complexTypeName;
        ArrayKind = arrayKind; ArrayLength = arrayLength; StringBound = stringBound;
    }

    public string Name { get; }
    /// <summary><c>pkg/Type.field</c>, the name errors report.</summary>
    public string QualifiedName { get; }
    public RosPrimitive Primitive { get; }
    internal string? ComplexTypeName { get; }
    public RosMsgType? Message { get; internal set; }
    public RosArrayKind ArrayKind { get; }
    /// <summary>N of <c>T[N]</c> (fixed) or <c>T[&lt;=N]</c> (bound); 0 otherwise.</summary>
    public int ArrayLength { get; }
    /// <summary>N of <c>string&lt;=N</c>; 0 when unbounded.</summary>
    public int StringBound { get; }
}

/// <summary>A message type: its <c>pkg/Type</c> name and fields in order (constants are not fields).</summary>
public sealed class RosMsgType(string name, IReadOnlyList<RosMsgField> fields)
{
    public string Name { get; } = name;
    public IReadOnlyList<RosMsgField> Fields { get; } = fields;
    internal int MinimumSize { get; set; } = -1;
}

/// <summary>
/// A parsed <c>ros2msg</c> definition as rosbag2 stores it: the top-level .msg text, then for each dependency a
/// line of 80 '=' and <c>MSG: pkg/Type</c> (or <c>pkg/msg/Type</c>) followed by its text. Constants are skipped,
/// default values ignored; nested type names resolve against the enclosing package (and bare <c>Header</c> to
/// <c>std_msgs/Header</c>).
/// </summary>
public sealed class RosMsgSchema
{
    private RosMsgSchema(RosMsgType root, IReadOnlyDictionary<string, RosMsgType> types) { Root = root; Types = types; }

    public RosMsgType Root { get; }
    public IReadOnlyDictionary<string, RosMsgType> Types { get; }

    private static readonly Dictionary<string, RosPrimitive> Primitives = new(StringComparer.Ordinal)
    {
        ["bool"] = RosPrimitive.Bool, ["byte"] = RosPrimitive.Byte, ["char"] = RosPrimitive.Char,
        ["int8"] = RosPrimitive.Int8, ["uint8"] = RosPrimitive.UInt8, ["int16"] = RosPrimitive.Int16,
        ["uint16"] = RosPrimitive.UInt16, ["int32"] = RosPrimitive.Int32, ["uint32"] = RosPrimitive.UInt32,
        ["int64"] = RosPrimitive.Int64, ["uint64"] = RosPrimitive.UInt64, ["float32"] = RosPrimitive.Float32,
        ["float64"] = RosPrimitive.Float64, ["string"] = RosPrimitive.String, ["wstring"] = RosPrimitive.WString,
    };

    public static bool IsPrimitive(string typeName) => Primitives.ContainsKey(typeName);

    /// <summary>Serialized size of a fixed-size primitive (strings: 0).</summary>
    public static int SizeOf(RosPrimitive p) => p switch
    {
        RosPrimitive.Bool or RosPrimitive.Byte or RosPrimitive.Char or RosPrimitive.Int8 or RosPrimitive.UInt8 => 1,
        RosPrimitive.Int16 or RosPrimitive.UInt16 => 2,
        RosPrimitive.Int32 or RosPrimitive.UInt32 or RosPrimitive.Float32 => 4,
        RosPrimitive.Int64 or RosPrimitive.UInt64 or RosPrimitive.Float64 => 8,
        _ => 0,
    };

    /// <summary>Parses <paramref name="definition"/> for type <paramref name="typeName"/> (<c>pkg/msg/Type</c> or <c>pkg/Type</c>).</summary>
    public static RosMsgSchema Parse(string typeName, string definition)
    {
        var rootName = Normalize(typeName);
        if (!rootName.Contains('/')) Fail($"type name '{typeName}' has no package");
        var blocks = new List<(string Name, List<string> Lines)> { (rootName, []) };
        var lines = definition.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length >= 3 && line.All(c => c == '='))
            {
                // Next non-empty line names the dependency.
                var j = i + 1;
                while (j < lines.Length && lines[j].Trim().Length == 0) j++;
                if (j >= lines.Length) break;
                var head = lines[j].Trim();
                if (head.StartsWith("IDL:", StringComparison.Ordinal))
                    Fail($"definition of {rootName} contains an IDL block ({head}); only ros2msg text is supported");
                if (!head.StartsWith("MSG:", StringComparison.Ordinal))
                    Fail($"definition of {rootName}: line {j + 1} after a separator should be 'MSG: pkg/Type', is '{head}'");
                blocks.Add((Normalize(head[4..].Trim()), []));
                i = j;
                continue;
            }
            blocks[^1].Lines.Add(lines[i]);
        }

        var types = new Dictionary<string, RosMsgType>(StringComparer.Ordinal);
        foreach (var (name, body) in blocks)
            types.TryAdd(name, ParseType(name, body));
        foreach (var type in types.Values)
            foreach (var field in type.Fields)
                if (field.ComplexTypeName is { } complex)
                    field.Message = types.GetValueOrDefault(complex)
                        ?? Fail<RosMsgType>($"{field.QualifiedName} has type {complex}, whose definition is not in the schema of {rootName}");
        var root = types[rootName];
        foreach (var type in types.Values) ComputeMinimumSize(type, []);
        return new RosMsgSchema(root, types);
    }

    private static string Normalize(string name)
    {
        var parts = name.Split('/');
        return parts.Length == 3 && parts[1] == "msg" ? parts[0] + "/" + parts[2] : name;
    }

    private static RosMsgType ParseType(string typeName, List<string> lines)
    {
        var package = typeName[..typeName.IndexOf('/')];
        var fields = new List<RosMsgField>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.IndexOfAny([' ', '\t']);
            if (space < 0) Fail($"definition of {typeName}: '{line}' is not 'type name'");
            var typeToken = line[..space];
            var rest = line[space..].TrimStart();
            var nameEnd = 0;
            while (nameEnd < rest.Length && (char.IsLetterOrDigit(rest[nameEnd]) || rest[nameEnd] == '_')) nameEnd++;
            var name = rest[..nameEnd];
            if (name.Length == 0) Fail($"definition of {typeName}: '{line}' has no field name");
            var after = rest[nameEnd..].TrimStart();
            if (after.StartsWith('=')) continue; // constant
            fields.Add(ParseField(typeName, package, typeToken, name));
        }
        return new RosMsgType(typeName, fields);
    }

    private static RosMsgField ParseField(string typeName, string package, string token, string name)
    {
        var qualified = typeName + "." + name;
        var arrayKind = RosArrayKind.None;
        var arrayLength = 0;
        var bracket = token.IndexOf('[');
        var baseType = token;
        if (bracket >= 0)
        {
            if (!token.EndsWith(']')) Fail($"{qualified}: malformed array type '{token}'");
            var inner = token[(bracket + 1)..^1];
            baseType = token[..bracket];
            if (inner.Length == 0) arrayKind = RosArrayKind.Unbounded;
            else if (inner.StartsWith("<=", StringComparison.Ordinal)) { arrayKind = RosArrayKind.Bounded; arrayLength = ParseCount(qualified, inner[2..]); }
            else { arrayKind = RosArrayKind.Fixed; arrayLength = ParseCount(qualified, inner); }
        }
        var stringBound = 0;
        var le = baseType.IndexOf("<=", StringComparison.Ordinal);
        if (le >= 0)
        {
            stringBound = ParseCount(qualified, baseType[(le + 2)..]);
            baseType = baseType[..le];
            if (baseType is not ("string" or "wstring")) Fail($"{qualified}: only strings take a bound, not '{token}'");
        }
        if (Primitives.TryGetValue(baseType, out var primitive))
            return new RosMsgField(name, qualified, primitive, null, arrayKind, arrayLength, stringBound);
        string complex = baseType == "Header" ? "std_msgs/Header"
            : baseType.Contains('/') ? Normalize(baseType)
            : package + "/" + baseType;
        return new RosMsgField(name, qualified, RosPrimitive.None, complex, arrayKind, arrayLength, 0);
    }

    private static int ParseCount(string qualified, string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 1 << 24
            ? n : Fail<int>($"{qualified}: bad array or string bound '{s}'");

    // Lower bound of a type's serialized size; sequence lengths are checked against it before allocating.
    private static int ComputeMinimumSize(RosMsgType type, HashSet<string> visiting)
    {
        if (type.MinimumSize >= 0) return type.MinimumSize;
        if (!visiting.Add(type.Name)) Fail($"type {type.Name} contains itself");
        long size = 0;
        foreach (var f in type.Fields)
        {
            if (f.ArrayKind is RosArrayKind.Bounded or RosArrayKind.Unbounded) { size += 4; continue; }
            long element = f.Message is { } m ? ComputeMinimumSize(m, visiting)
                : f.Primitive is RosPrimitive.String or RosPrimitive.WString ? 4 : SizeOf(f.Primitive);
            size += f.ArrayKind == RosArrayKind.Fixed ? element * f.ArrayLength : element;
        }
        visiting.Remove(type.Name);
        if (type.Fields.Count == 0) size = 1; // rosidl's placeholder byte for empty messages
        type.MinimumSize = (int)Math.Min(size, int.MaxValue);
        return type.MinimumSize;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string message) => throw new CdrException(CdrErrorKind.InvalidSchema, message);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static T Fail<T>(string message) => throw new CdrException(CdrErrorKind.InvalidSchema, message);
}
