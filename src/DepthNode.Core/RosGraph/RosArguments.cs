using DepthNode.NodeLogic;
using DepthNode.Parameters;

namespace DepthNode.RosGraph;

/// <summary>
/// The ROS 2 arguments of a node's command line (design article "ROS command line arguments"), parsed by us because
/// rcldotnet hands them to rcl but exposes no parameters: <c>--ros-args</c> opens a ROS section and <c>--</c> closes
/// it (several sections may appear); inside, <c>-p/--param name:=value</c>, <c>--params-file file</c>,
/// <c>-r/--remap [node:]from:=to</c> (with <c>__node</c>, <c>__ns</c>), <c>--log-level [name:=]level</c> and the flags
/// rcl knows. Every mistake is one line in a <see cref="ParameterException"/>; arguments outside the sections are kept
/// for the program.
/// </summary>
public sealed record RosArguments(
    IReadOnlyList<string> ParamsFiles,
    IReadOnlyList<ParameterAssignment> Parameters,
    IReadOnlyList<RemapRule> Remaps,
    IReadOnlyList<(string? Logger, LogLevel Level)> LogLevels,
    IReadOnlyList<string> ProgramArguments)
{
    public static RosArguments Empty { get; } = new([], [], [], [], []);

    private static readonly HashSet<string> Flags =
    [
        "--enable-rosout-logs", "--disable-rosout-logs", "--enable-stdout-logs", "--disable-stdout-logs",
        "--enable-external-lib-logs", "--disable-external-lib-logs",
    ];

    private static readonly HashSet<string> IgnoredWithValue = ["-e", "--enclave", "--log-config-file", "--log-file-name"];

    public static RosArguments Parse(IReadOnlyList<string> argv)
    {
        var files = new List<string>();
        var parameters = new List<ParameterAssignment>();
        var remaps = new List<RemapRule>();
        var logLevels = new List<(string?, LogLevel)>();
        var program = new List<string>();
        var errors = new List<string>();
        var inRos = false;
        for (var i = 0; i < argv.Count; i++)
        {
            var a = argv[i];
            if (a == "--ros-args") { inRos = true; continue; }
            if (!inRos) { program.Add(a); continue; }
            if (a == "--") { inRos = false; continue; }
            string? Value()
            {
                if (i + 1 < argv.Count && argv[i + 1] is not ("--" or "--ros-args")) return argv[++i];
                errors.Add($"--ros-args {a}: a value must follow");
                return null;
            }
            switch (a)
            {
                case "-p" or "--param":
                    if (Value() is not { } p) break;
                    if (Split(p) is not { } kv || kv.Name.Length == 0)
                    {
                        errors.Add($"--ros-args {a} {p}: expected name:=value");
                        break;
                    }
                    try { parameters.Add(new ParameterAssignment(kv.Name, ParamsFile.ParseValue(kv.Value, $"--ros-args {a} {p}"))); }
                    catch (ParameterException e) { errors.AddRange(e.Lines); }
                    break;
                case "--params-file":
                    if (Value() is { } f) files.Add(f);
                    break;
                case "-r" or "--remap":
                    if (Value() is not { } r) break;
                    if (ParseRemap(r) is { } rule) remaps.Add(rule);
                    else errors.Add($"--ros-args {a} {r}: expected [node:]from:=to");
                    break;
                case "--log-level":
                    if (Value() is not { } l) break;
                    var (logger, levelText) = Split(l) is { } named ? (named.Name, named.Value) : ((string?)null, l);
                    if (ParseLevel(levelText) is { } level) logLevels.Add((logger, level));
                    else errors.Add($"--ros-args --log-level {l}: '{levelText}' is not a level (debug, info, warn, error, fatal)");
                    break;
                default:
                    if (Flags.Contains(a)) break;
                    if (IgnoredWithValue.Contains(a)) { Value(); break; }
                    errors.Add($"--ros-args: unknown ROS argument '{a}' (known: -p, --params-file, -r, --log-level, -e, --enclave, --log-config-file, --[en|dis]able-*-logs)");
                    break;
            }
        }
        if (errors.Count > 0) throw new ParameterException(errors);
        return new RosArguments(files, parameters, remaps, logLevels, program);
    }

    /// <summary>The node's log level: a <c>--log-level name:=level</c> for this node's logger, else an unnamed one;
    /// the last of each wins.</summary>
    public LogLevel? LogLevelFor(string nodeName)
    {
        LogLevel? named = null, any = null;
        foreach (var (logger, level) in LogLevels)
            if (logger is null) any = level;
            else if (logger == nodeName) named = level;
        return named ?? any;
    }

    private static (string Name, string Value)? Split(string text)
    {
        var at = text.IndexOf(":=", StringComparison.Ordinal);
        return at < 0 ? null : (text[..at], text[(at + 2)..]);
    }

    private static RemapRule? ParseRemap(string text)
    {
        if (Split(text) is not { } rule || rule.Name.Length == 0 || rule.Value.Length == 0) return null;
        var (from, to) = (rule.Name, rule.Value);
        string? node = null;
        var colon = from.IndexOf(':');
        if (colon >= 0) (node, from) = (from[..colon], from[(colon + 1)..]);
        return from.Length == 0 ? null : new RemapRule(node, from, to);
    }

    private static LogLevel? ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warn,
        "error" or "fatal" => LogLevel.Error,
        _ => null,
    };
}
