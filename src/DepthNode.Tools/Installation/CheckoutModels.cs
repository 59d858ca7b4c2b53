using DepthNode.Models;

namespace DepthNode.Installation;

/// <summary>
/// The models folder for tools and tests run from a source checkout, where <c>scripts/setup.sh</c> installs the
/// networks into the repository's git-ignored <c>models/</c> while the executable sits deep under <c>bin/</c>.
/// <c>DEPTHNODE_MODELS</c> still wins; outside a checkout the node's own rule (<see cref="ModelStore"/>) applies.
/// </summary>
public static class CheckoutModels
{
    public const string SolutionFile = "DepthNode.sln";

    public static string Directory =>
        Resolve(Environment.GetEnvironmentVariable(ModelStore.EnvironmentVariable), AppContext.BaseDirectory);

    public static string DefaultModelPath => Path.Combine(Directory, ModelStore.DefaultModelFile);
    public static string DefaultCardPath => Path.Combine(Directory, ModelStore.DefaultModelCard);

    public static string Resolve(string? environmentValue, string executableDirectory)
    {
        if (!string.IsNullOrEmpty(environmentValue)) return environmentValue;
        var root = FindCheckoutRoot(executableDirectory);
        return root != null ? Path.Combine(root, "models") : ModelStore.Directory;
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> holding the solution file, or null.</summary>
    public static string? FindCheckoutRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, SolutionFile))) return d.FullName;
        return null;
    }
}
