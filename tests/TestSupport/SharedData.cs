
namespace DepthNode.Tests;

/// <summary>
/// Locates the read-only <c>shared/</c> folder (real bags, frames and ground truth) that sits beside the repository.
/// Tests that need it call <see cref="Path"/>, which fails loudly when it is missing: a missing data set must never
/// turn into a silently passing or skipped test.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> RootDir = new(FindRoot);

    /// <summary>The shared folder, or an exception saying where it was looked for.</summary>
    public static string Root => RootDir.Value ?? throw new DirectoryNotFoundException(
        "../shared (real bags and data) was not found beside the repository or above the test binaries; " +
        "set DEPTHNODE_SHARED to its path. Tests that read real data cannot run without it.");

    /// <summary>A path under shared/, checked to exist.</summary>
    public static string Path(params string[] parts)
    {
        var p = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(p) && !Directory.Exists(p))
            throw new FileNotFoundException($"shared data is missing: {p}");
        return p;
    }

    /// <summary>The repository root (the folder holding DepthNode.sln).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "DepthNode.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("DepthNode.sln not found above " + AppContext.BaseDirectory);
    }

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("DEPTHNODE_SHARED");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        // Walk up from the test binaries: <clone>/tests/X/bin/... -> <clone>/.. holds shared/.
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = System.IO.Path.Combine(d.FullName, "shared");
            if (File.Exists(System.IO.Path.Combine(candidate, "README.md")) && Directory.Exists(System.IO.Path.Combine(candidate, "data")))
                return candidate;
        }
        return null;
    }
}
