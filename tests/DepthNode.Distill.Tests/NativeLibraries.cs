using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace DepthNode.Distill.Tests;

/// <summary>Where the shipped and the built libLibTorchSharp.so are, and independent ways to look at them.</summary>
internal static class NativeLibraries
{
    /// <summary>The file as TorchSharp ships it, in the NuGet cache (never modified by the build).</summary>
    public static string Shipped
    {
        get
        {
            var root = typeof(NativeLibraries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "NuGetPackageRoot").Value!;
            var v = typeof(torch).Assembly.GetName().Version!;
            var path = Path.Combine(root, "torchsharp", $"{v.Major}.{v.Minor}.{v.Build}", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            return File.Exists(path) ? path : throw new FileNotFoundException($"shipped libLibTorchSharp.so not found at {path}");
        }
    }

    /// <summary>The copy in this test project's own build output, the one TorchSharp loads in these tests.</summary>
    public static string InTestOutput => Existing(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));

    /// <summary>The copy in depth-distill's build output (same configuration as these tests).</summary>
    public static string InDistillOutput => Existing(Path.Combine(DistillOutput, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));

    /// <summary>src/DepthNode.Distill/bin/&lt;configuration&gt;/net10.0, found from this test's own bin/&lt;configuration&gt;/net10.0.</summary>
    public static string DistillOutput
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            return Path.Combine(DepthNode.Tests.SharedData.RepoRoot(), "src", "DepthNode.Distill", "bin", framework.Parent!.Name, framework.Name);
        }
    }

    /// <summary>
    /// Asks the dynamic loader, not an ELF parser: does the libstdc++.so.6 it picks export GCC 13's
    /// std::ios_base_library_init() (added with GLIBCXX_3.4.32)?
    /// </summary>
    public static bool SystemHasGlibcxx3432()
    {
        var handle = NativeLibrary.Load("libstdc++.so.6");
        return NativeLibrary.TryGetExport(handle, "_ZSt21ios_base_library_initv", out _);
    }

    /// <summary>binutils' readelf, an implementation independent of the build's ELF code.</summary>
    public static string Readelf(params string[] arguments)
    {
        var start = new ProcessStartInfo("readelf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"readelf {string.Join(' ', arguments)} failed: {stderr}");
        return stdout;
    }

    private static string Existing(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"libLibTorchSharp.so is missing from the build output: {path}");
}
