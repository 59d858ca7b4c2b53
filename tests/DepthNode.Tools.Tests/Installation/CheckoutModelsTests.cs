using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Tools.Tests.Installation;

public sealed class CheckoutModelsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("depthnode-checkout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Executable()
    {
        var exe = Path.Combine(_root, "repo", "tests", "X.Tests", "bin", "Release", "net10.0");
        Directory.CreateDirectory(exe);
        return exe;
    }

    [Fact]
    public void FindCheckoutRoot_ExecutableDeepInsideCheckout_ReturnsSolutionDirectory()
    {
        var exe = Executable();
        File.WriteAllText(Path.Combine(_root, "repo", CheckoutModels.SolutionFile), "");
        Assert.Equal(Path.Combine(_root, "repo"), CheckoutModels.FindCheckoutRoot(exe));
    }

    [Fact]
    public void FindCheckoutRoot_NoSolutionAbove_ReturnsNull()
    {
        File.WriteAllText(Path.Combine(_root, "Other.sln"), "");
        Assert.Null(CheckoutModels.FindCheckoutRoot(Executable()));
    }

    [Fact]
    public void Resolve_InsideCheckout_ReturnsRepositoryModels()
    {
        var exe = Executable();
        File.WriteAllText(Path.Combine(_root, "repo", CheckoutModels.SolutionFile), "");
        Assert.Equal(Path.Combine(_root, "repo", "models"), CheckoutModels.Resolve(null, exe));
    }

    [Fact]
    public void Resolve_EnvironmentSet_WinsOverCheckout()
    {
        var exe = Executable();
        File.WriteAllText(Path.Combine(_root, "repo", CheckoutModels.SolutionFile), "");
        Assert.Equal("/opt/depthnode/models", CheckoutModels.Resolve("/opt/depthnode/models", exe));
    }

    [Fact]
    public void DefaultModelPath_ThisCheckout_IsTheInstalledFastDepth()
    {
        // scripts/setup.sh installs the real network into this repository's models/; the tests run from under bin/.
        Assert.Contains("sha256 ok", ModelStore.VerifyDefaultModel(CheckoutModels.Directory));
    }
}
