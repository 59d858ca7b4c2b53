using System.Diagnostics;
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

    private static string Install()
    {
        var dir = Path.Combine(Path.GetTempPath(), "depthnode-mcap-reference");
        Directory.CreateDirectory(dir);
        var stamp = Path.Combine(dir, "installed.txt");
        if (File.Exists(stamp) && File.ReadAllText(stamp) == Packages && File.Exists(Path.Combine(dir, "node_modules", "@mcap", "core", "package.json")))
            return Path.Combine(dir, "node_modules");
        if (!File.Exists(Path.Combine(dir, "package.json"))) File.WriteAllText(Path.Combine(dir, "package.json"), "{\"name\":\"depthnode-mcap-reference\",\"private\":true}");
        var (code, stdout, stderr) = Run("npm", $"install --no-audit --no-fund --no-save {Packages}", dir, null, TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"npm install {Packages} failed (exit {code}); the reference check cannot run:\n{stderr}\n{stdout}");
        File.WriteAllText(stamp, Packages);
        return Path.Combine(dir, "node_modules");
    }

    /// <summary>Runs the reference script (<c>check</c> or <c>bench</c>) on a file and parses its JSON output.</summary>
    public static JsonElement Run(string mode, string mcapPath)
    {
        var modules = ModulesDir.Value;
        var (code, stdout, stderr) = Run("node", $"\"{Script}\" {mode} \"{mcapPath}\"", null, modules, TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"@mcap/core rejected {mcapPath} (exit {code}): {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static (int, string, string) Run(string file, string args, string? cwd, string? nodePath, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        if (nodePath is not null) psi.Environment["NODE_PATH"] = nodePath;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout)) { p.Kill(true); throw new TimeoutException($"{file} {args} did not finish in {timeout}"); }
        return (p.ExitCode, outTask.Result, errTask.Result);
    }
}
