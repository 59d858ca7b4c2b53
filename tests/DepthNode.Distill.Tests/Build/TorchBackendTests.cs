using System.Text.Json;
using DepthNode.Distill.Tests.Deployment;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Build;

/// <summary>
/// `-p:TorchBackend=cuda` swaps the CPU libtorch for the CUDA one. The CUDA package does not restore here, so the
/// project is only evaluated (dotnet msbuild -getItem), never restored with it.
/// </summary>
public class TorchBackendTests
{
    private static readonly string Project = Path.Combine(SharedData.RepoRoot(), "src", "DepthNode.Distill", "DepthNode.Distill.csproj");

    private static (string[] References, Dictionary<string, string> Versions) Evaluate(params string[] properties)
    {
        var (code, stdout, stderr) = ToolProcess.Run("dotnet",
            ["msbuild", Project, "-nologo", "-getItem:PackageReference", "-getItem:PackageVersion", .. properties.Select(p => "-p:" + p)]);
        Assert.True(code == 0, stdout + stderr);
        var items = JsonDocument.Parse(stdout).RootElement.GetProperty("Items");
        var references = items.GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToArray();
        var versions = items.GetProperty("PackageVersion").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!);
        return (references, versions);
    }

    [Fact]
    public void PackageReferences_Default_CpuLibTorchAndNoCudaPackage()
    {
        var (references, _) = Evaluate();
        Assert.Contains("TorchSharp", references);
        Assert.Contains("libtorch-cpu-linux-x64", references);
        Assert.DoesNotContain(references, r => r.Contains("cuda", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("TorchSharp-cpu", references); // the meta-package restores macOS and Windows libtorch too
    }

    [Fact]
    public void PackageReferences_TorchBackendCuda_CudaLibTorchOfTheSameRelease()
    {
        var (references, versions) = Evaluate("TorchBackend=cuda");
        Assert.Contains("TorchSharp", references);
        Assert.Contains("libtorch-cuda-12.8-linux-x64", references);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", references);
        // TorchSharp binds one libtorch release: the CUDA build must be the same version as the CPU one.
        Assert.Equal(versions["libtorch-cpu-linux-x64"], versions["libtorch-cuda-12.8-linux-x64"]);
    }

    [Fact]
    public void CheckTorchBackend_UnknownValue_FailsNamingTheChoices()
    {
        var (code, stdout, stderr) = ToolProcess.Run("dotnet", ["msbuild", Project, "-nologo", "-t:CheckTorchBackend", "-p:TorchBackend=rocm"]);
        Assert.NotEqual(0, code);
        Assert.Contains("TorchBackend 'rocm' is not one of cpu, cuda", stdout + stderr);
    }
}
