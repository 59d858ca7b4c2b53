using System.Text.Json;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Bags;

/// <summary>
/// The reference MCAP implementation (@mcap/core from npm, with the wasm zstd/lz4 decoders and @foxglove/crc), run
/// by Node on files we wrote. Installed once per test run into a cache folder; an npm failure fails the test loudly.
/// </summary>
internal static class McapReference
{
    private const string Packages = "@mcap/core@2.2.2 @foxglove/wasm-zstd@1.0.1 @foxglove/wasm-lz4@1.0.2 @foxglove/crc@0.0.3";
    private static readonly Lazy<string> ModulesDir = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Script => Path.Combine(SharedData.RepoRoot(), "tests", "DepthNode.Core.Tests", "Bags", "McapReference", "mcap-check.js");

    private static string Install() => NodeJs.Install(Path.Combine(Path.GetTempPath(), "depthnode-mcap-reference"), Packages);

    /// <summary>Runs the reference script (<c>check</c> or <c>bench</c>) on a file and parses its JSON output.</summary>
    public static JsonElement Run(string mode, string mcapPath)
    {
        var modules = ModulesDir.Value;
        var (code, stdout, stderr) = NodeJs.Run("node", $"\"{Script}\" {mode} \"{mcapPath}\"", nodePath: modules);
        if (code != 0) throw new InvalidOperationException($"@mcap/core rejected {mcapPath} (exit {code}): {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
