using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Ros.Tests.Package;

/// <summary>
/// launch/depth_node.launch.py is only run by `ros2 launch` in the image; here Python compiles it and reads its syntax
/// tree (ast), and what it declares and passes is checked against the node's parameters in config/depth_node.yaml.
/// </summary>
public class LaunchFileTests
{
    private static readonly string LaunchFile = PackageFiles.Path("launch", "depth_node.launch.py");

    // The syntax tree, reduced to what the checks need: declared arguments, LaunchConfiguration names, and the keys of
    // the parameter dictionaries given to the depth_node Node.
    private const string Extract = """
        import ast, json, sys
        tree = ast.parse(open(sys.argv[1]).read())
        def text(n): return n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None
        def name(call): return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, 'attr', None)
        out = {'declared': [], 'used': [], 'parameters': [], 'share': []}
        for n in ast.walk(tree):
            if not isinstance(n, ast.Call): continue
            if name(n) == 'DeclareLaunchArgument' and n.args: out['declared'].append(text(n.args[0]))
            if name(n) == 'LaunchConfiguration' and n.args: out['used'].append(text(n.args[0]))
            if name(n) == 'join' and n.args and isinstance(n.args[0], ast.Name) and n.args[0].id == 'share':
                out['share'].append('/'.join(text(a) or '?' for a in n.args[1:]))
            if name(n) == 'Node' and any(k.arg == 'package' and text(k.value) == 'depth_node' for k in n.keywords):
                for k in n.keywords:
                    if k.arg == 'parameters':
                        for d in [e for e in k.value.elts if isinstance(e, ast.Dict)]:
                            out['parameters'] += [text(key) for key in d.keys]
        print(json.dumps(out))
        """;

    private static (string[] Declared, string[] Used, string[] Parameters, string[] Share) Read()
    {
        var (code, stdout, stderr) = ProcessRunner.Run("python3", ["-c", Extract, LaunchFile]);
        Assert.True(code == 0, $"python3 could not read {LaunchFile}: {stderr}");
        var json = JsonDocument.Parse(stdout).RootElement;
        string[] Strings(string key) => json.GetProperty(key).EnumerateArray().Select(e => e.GetString() ?? "<not a literal>").ToArray();
        return (Strings("declared"), Strings("used"), Strings("parameters"), Strings("share"));
    }

    private static HashSet<string> NodeParameters()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(PackageFiles.Path("config", "depth_node.yaml"))) yaml.Load(reader);
        var section = ((YamlMappingNode)yaml.Documents[0].RootNode).Children.Values.OfType<YamlMappingNode>().First();
        var parameters = (YamlMappingNode)section.Children[new YamlScalarNode("ros__parameters")];
        return parameters.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
    }

    [Fact]
    public void LaunchFile_CompilesWithPython()
    {
        var cache = Path.Combine(Path.GetTempPath(), $"depthnode-launch-{Guid.NewGuid():N}.pyc"); // keeps launch/ clean
        try
        {
            var (code, _, stderr) = ProcessRunner.Run("python3",
                ["-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", LaunchFile, cache]);
            Assert.True(code == 0, "py_compile: " + stderr);
        }
        finally { File.Delete(cache); }
    }

    [Fact]
    public void LaunchFile_DeclaresTheDocumentedArguments_AndUsesEachOne()
    {
        var (declared, used, _, _) = Read();
        foreach (var argument in (string[])["model", "camera", "compressed", "params_file", "use_rviz"]) Assert.Contains(argument, declared);
        Assert.Empty(used.Except(declared));   // a LaunchConfiguration nobody declared fails at launch time
        Assert.Empty(declared.Except(used));   // a declared argument nothing reads is silently ignored
    }

    [Fact]
    public void LaunchFile_NodeParameters_AreParametersOfConfigDepthNodeYaml()
    {
        var (_, _, parameters, _) = Read();
        Assert.Contains("model", parameters);
        Assert.Contains("image_transport", parameters);
        var known = NodeParameters();
        var unknown = parameters.Where(p => !known.Contains(p)).ToList();
        Assert.True(unknown.Count == 0, "launch passes parameters the node does not declare: " + string.Join(", ", unknown));
    }

    [Fact]
    public void LaunchFile_FilesItReadsFromShare_ExistAndAreInstalledThere()
    {
        // get_package_share_directory("depth_node") + config/depth_node.yaml etc.: the files must exist and CMake must
        // install their folder to share/depth_node, or the launch fails only on a robot.
        var (_, _, _, share) = Read();
        Assert.Contains("config/depth_node.yaml", share);
        Assert.Contains("config/depth_node.rviz", share);
        var installed = PackageFiles.CMakeCalls(PackageFiles.Read("CMakeLists.txt"), "install")
            .Where(a => a.Length > 0 && a[0] == "DIRECTORY" && a.Contains("share/${PROJECT_NAME}"))
            .SelectMany(a => a.Skip(1).TakeWhile(x => x != "DESTINATION")).ToHashSet();
        foreach (var file in share)
        {
            Assert.True(File.Exists(PackageFiles.Path(file.Split('/'))), $"the launch file reads share/depth_node/{file}, which is not in the repository");
            Assert.True(installed.Contains(file.Split('/')[0]), $"CMakeLists.txt does not install {file.Split('/')[0]}/ to share/depth_node");
        }
    }
}
