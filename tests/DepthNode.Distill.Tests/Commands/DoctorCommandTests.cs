using System.Diagnostics;
using DepthNode.Distill.Commands;
using DepthNode.Installation;

namespace DepthNode.Distill.Tests.Commands;

public class DoctorCommandTests
{
    [Fact]
    public void Run_OnThisMachine_PassesWithOneLinePerCheck()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = Program.RunWith(["doctor"], stdout, stderr);

        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exit == 0, stdout.ToString());
        Assert.Equal("", stderr.ToString());
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("[ok  ] libtorch: TorchSharp 0.107.0.0, libtorch 2.10.0", lines[0]);
        Assert.Equal("[ok  ] tensor op: [[1,2,3],[4,5,6]] @ [1,1,1]^T = [6, 15]", lines[1]);
        // No GPU on the test machines; either way the check is reported and not required.
        Assert.Matches(@"^\[ok  \] cuda: (not available \(CPU training only\)|available, \d+ device\(s\))$", lines[2]);
        Assert.Equal("all required checks passed", lines[3]);
    }

    [Fact]
    public void Checks_WhenTheNativeLibraryDoesNotLoad_FailWithTheLoaderReasonAndAFix()
    {
        var dir = Directory.CreateTempSubdirectory("doctor-").FullName;
        try
        {
            // A library the loader rejects; the process must not crash and TorchSharp must not be asked to load it.
            var broken = Path.Combine(dir, "libLibTorchSharp.so");
            File.WriteAllBytes(broken, File.ReadAllBytes(NativeLibraries.Shipped)[..100]);
            var stdout = new StringWriter();

            var exit = InstallationReport.Print(DoctorCommand.Checks(broken), stdout);

            var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(1, exit);
            Assert.Equal(4, lines.Length);
            Assert.StartsWith($"[FAIL] libtorch: {broken}: ", lines[0]);
            Assert.Contains("-- fix: rebuild with `dotnet build src/DepthNode.Distill`", lines[0]);
            Assert.StartsWith("[FAIL] tensor op: not run: libtorch did not load -- fix: ", lines[1]);
            Assert.Equal("[warn] cuda: not run: libtorch did not load", lines[2]);
            Assert.Equal("2 required check(s) failed", lines[3]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoaderReason_ForAMissingGlibcxxVersion_IsTheLoaderLineNamingIt()
    {
        // The shape of .NET's DllNotFoundException message on glibc: a preamble, then one dlerror() per probed path.
        var message = string.Join('\n',
            "Unable to load shared library 'LibTorchSharp' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace.",
            "/app/runtimes/linux-x64/native/LibTorchSharp.so: cannot open shared object file: No such file or directory",
            "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/runtimes/linux-x64/native/libLibTorchSharp.so)",
            "/app/LibTorchSharp.so: cannot open shared object file: No such file or directory");

        Assert.Equal(
            "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/runtimes/linux-x64/native/libLibTorchSharp.so)",
            DoctorCommand.LoaderReason(message));
    }

    [Fact]
    public void DepthDistillDoctor_AsAProcess_ExitsZero()
    {
        var dll = Path.Combine(NativeLibraries.DistillOutput, "depth-distill.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("doctor");
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.True(p.ExitCode == 0, $"depth-distill doctor exited {p.ExitCode}:\n{stdout}{stderr}");
        Assert.Contains("[ok  ] libtorch: TorchSharp 0.107.0.0, libtorch 2.10.0", stdout);
        Assert.EndsWith("all required checks passed\n", stdout);
    }
}
