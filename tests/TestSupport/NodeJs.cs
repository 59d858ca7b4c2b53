using System.Diagnostics;

namespace DepthNode.Tests;

/// <summary>
/// Runs Node.js and npm for tests that check our output against independent JavaScript implementations
/// (@mcap/core, @foxglove/rosmsg2-serialization). A failed install or a missing tool throws: such a test must fail
/// loudly, never pass without having compared anything.
/// </summary>
public static class NodeJs
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Installs <paramref name="packages"/> (space-separated <c>name@version</c>) into <paramref name="folder"/> unless
    /// a previous run installed exactly that list there, and returns its <c>node_modules</c> folder.
    /// </summary>
    public static string Install(string folder, string packages)
    {
        Directory.CreateDirectory(folder);
        var stamp = Path.Combine(folder, "installed.txt");
        var modules = Path.Combine(folder, "node_modules");
        if (File.Exists(stamp) && File.ReadAllText(stamp) == packages && Directory.Exists(modules)) return modules;
        var manifest = Path.Combine(folder, "package.json");
        if (!File.Exists(manifest)) File.WriteAllText(manifest, """{ "name": "depthnode-test-tools", "private": true }""");
        var (code, stdout, stderr) = Run("npm", $"install --no-audit --no-fund --no-save --loglevel=error {packages}", folder);
        if (code != 0) throw new InvalidOperationException($"npm install {packages} failed (exit {code}) in {folder}:\n{stderr}\n{stdout}");
        File.WriteAllText(stamp, packages);
        return modules;
    }

    /// <summary>Runs <paramref name="file"/> to completion (at most five minutes) and returns its exit code and output.</summary>
    public static (int Code, string Stdout, string Stderr) Run(string file, string arguments, string? workingDirectory = null, string? nodePath = null)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        if (nodePath is not null) psi.Environment["NODE_PATH"] = nodePath;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        // Both pipes drain concurrently: a child filling one while we block on the other would never exit.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout)) { p.Kill(true); throw new TimeoutException($"{file} {arguments} did not finish in {Timeout}"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
