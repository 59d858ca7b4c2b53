using System.Text.RegularExpressions;
using DepthNode.Tests;

namespace DepthNode.Ros.Tests.Package;

/// <summary>The ament package's files as the tests read them, from the repository root.</summary>
internal static partial class PackageFiles
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([SharedData.RepoRoot(), .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>The text with CMake comments removed (a '#' to the end of the line, outside quotes is enough here).</summary>
    public static string WithoutCMakeComments(string cmake) => CMakeComment().Replace(cmake, "");

    /// <summary>The arguments of every call to <paramref name="command"/>, whitespace-split (no quoted spaces in ours).</summary>
    public static IEnumerable<string[]> CMakeCalls(string cmake, string command) =>
        Regex.Matches(WithoutCMakeComments(cmake), @"\b" + Regex.Escape(command) + @"\s*\(([^)]*)\)", RegexOptions.IgnoreCase)
            .Select(m => m.Groups[1].Value.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"#[^\n]*")]
    private static partial Regex CMakeComment();
}
