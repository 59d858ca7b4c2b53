using System.Xml.Linq;

namespace DepthNode.Ros.Tests.Package;

/// <summary>package.xml is what rosdep and colcon read: it must parse, be format 3 and declare every package the
/// CMake files look for (colcon orders the build by it; a missing one breaks a clean workspace, not this one).</summary>
public class PackageXmlTests
{
    // CMake modules that come with a package rather than being one: DotNETExtra is dotnet_cmake_module's.
    private static readonly Dictionary<string, string> ModulesFromPackages = new() { ["DotNETExtra"] = "dotnet_cmake_module" };

    private static readonly string[] Dependencies =
        ["depend", "build_depend", "buildtool_depend", "build_export_depend", "exec_depend", "test_depend"];

    private static XElement Root() => XDocument.Parse(PackageFiles.Read("package.xml")).Root!;

    private static HashSet<string> Declared() =>
        Root().Elements().Where(e => Dependencies.Contains(e.Name.LocalName)).Select(e => e.Value.Trim()).ToHashSet();

    [Fact]
    public void PackageXml_Parses_AsFormat3AmentCmakeInterfacePackage()
    {
        var root = Root();
        Assert.Equal("package", root.Name.LocalName);
        Assert.Equal("3", root.Attribute("format")?.Value);
        Assert.Equal("depth_node", root.Element("name")?.Value);
        // colcon and ament_package() need the CMake project to carry the package's name.
        Assert.Equal("depth_node", Assert.Single(PackageFiles.CMakeCalls(PackageFiles.Read("CMakeLists.txt"), "project"))[0]);
        Assert.Equal("ament_cmake", root.Element("export")?.Element("build_type")?.Value);
        // rosidl_generate_interfaces requires the package to join this group.
        Assert.Equal("rosidl_interface_packages", root.Element("member_of_group")?.Value);
    }

    [Fact]
    public void PackageXml_Dependencies_IncludeRcldotnetAndRosidl()
    {
        var declared = Declared();
        foreach (var name in (string[])["rcldotnet", "dotnet_cmake_module", "rosidl_default_generators", "rosidl_default_runtime",
                     "sensor_msgs", "std_msgs", "diagnostic_msgs", "launch_ros"])
            Assert.Contains(name, declared);
    }

    [Fact]
    public void FindPackage_EveryPackageTheCMakeFilesFind_IsDeclaredInPackageXml()
    {
        var declared = Declared();
        var cmakeFiles = new[] { PackageFiles.Read("CMakeLists.txt") }
            .Concat(PackageFiles.CMakeCalls(PackageFiles.Read("CMakeLists.txt"), "add_subdirectory")
                .Select(args => PackageFiles.Read(args[0], "CMakeLists.txt")))
            .ToList();
        Assert.True(cmakeFiles.Count >= 2, "the shim's CMakeLists.txt is reached through add_subdirectory");
        var found = cmakeFiles.SelectMany(c => PackageFiles.CMakeCalls(c, "find_package")).Select(args => args[0]).Distinct().ToList();
        Assert.Contains("rcldotnet", found);
        var missing = found.Select(n => ModulesFromPackages.GetValueOrDefault(n, n)).Where(n => !declared.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "find_package without a package.xml dependency: " + string.Join(", ", missing));
    }

    [Fact]
    public void AddDotnetExecutable_Sources_AreExactlyTheAdapterFiles()
    {
        // A new adapter file that CMakeLists.txt does not list would compile here (the test project globs them) but not
        // in the image.
        var call = Assert.Single(PackageFiles.CMakeCalls(PackageFiles.Read("CMakeLists.txt"), "add_dotnet_executable"));
        var listed = call.SkipWhile(a => a != "SOURCES").Skip(1).TakeWhile(a => a != "INCLUDE_DLLS").OrderBy(s => s, StringComparer.Ordinal);
        var files = Directory.GetFiles(PackageFiles.Path("src", "DepthNode.Ros"), "*.cs")
            .Select(f => "src/DepthNode.Ros/" + System.IO.Path.GetFileName(f)).OrderBy(s => s, StringComparer.Ordinal);
        Assert.Equal(files, listed);
    }
}
