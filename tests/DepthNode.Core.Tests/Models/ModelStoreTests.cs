using DepthNode.Models;

namespace DepthNode.Core.Tests.Models;

/// <summary>
/// The onboard node's rule on a fake installation: a checkout layout (solution file and models/ at the root, the
/// executable under bin/) around it, so a rule that climbs to the solution file again would be caught.
/// </summary>
public sealed class ModelStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("depthnode-modelstore-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Dir(params string[] parts)
    {
        var path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private string Checkout()
    {
        File.WriteAllText(Path.Combine(_root, "DepthNode.sln"), "");
        Dir("models");
        return Dir("bin", "Release", "net10.0");
    }

    [Fact]
    public void Resolve_EnvironmentSet_ReturnsItOverEverything()
    {
        var exe = Checkout();
        Dir("bin", "Release", "net10.0", "models");
        Assert.Equal("/opt/depthnode/models", ModelStore.Resolve("/opt/depthnode/models", exe, Dir("work")));
    }

    [Fact]
    public void Resolve_ModelsBesideExecutable_PreferredOverWorkingDirectory()
    {
        var exe = Dir("install");
        var beside = Dir("install", "models");
        Dir("work", "models");
        Assert.Equal(beside, ModelStore.Resolve(null, exe, Dir("work")));
    }

    [Fact]
    public void Resolve_NoModelsBesideExecutable_UsesWorkingDirectory()
    {
        var work = Dir("work");
        var inWork = Dir("work", "models");
        Assert.Equal(inWork, ModelStore.Resolve("", Dir("install"), work));
    }

    [Fact]
    public void Resolve_InsideCheckout_DoesNotClimbToSolutionFile()
    {
        var exe = Checkout();
        var resolved = ModelStore.Resolve(null, exe, Dir("work"));
        Assert.Equal(Path.Combine(exe, "models"), resolved);
        Assert.NotEqual(Path.Combine(_root, "models"), resolved);
    }
}
