using System.Runtime.InteropServices;
using DepthNode.CommandLine;
using DepthNode.Installation;
using TorchSharp;

namespace DepthNode.Distill.Commands;

/// <summary>`depth-distill doctor`: can libtorch load and compute here?</summary>
public sealed class DoctorCommand : ICommand
{
    private const string LoadFix =
        "rebuild with `dotnet build src/DepthNode.Distill` (on GCC < 13 systems the build patches its copy of " +
        "libLibTorchSharp.so and needs g++ and patchelf: run ./scripts/setup.sh); see README troubleshooting";

    public string Name => "doctor";
    public string Summary => "check the installation (libtorch loads, a tensor op, CUDA availability)";
    public string Usage => "doctor";

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        args.EnsureAllUsed(0);
        return InstallationReport.Print(Checks(), stdout);
    }

    public static IEnumerable<InstallationCheck> Checks() => Checks(libTorchSharpPath: null);

    /// <param name="libTorchSharpPath">The native library to probe; null for the one TorchSharp itself resolves.</param>
    internal static IEnumerable<InstallationCheck> Checks(string? libTorchSharpPath)
    {
        // Load the native glue ourselves first: the loader's own message ("version `GLIBCXX_3.4.32' not found") is
        // the diagnosis, and TorchSharp, when its load fails, prints a page of probing trace to stdout and copies
        // every libtorch binary into a cpu/ folder beside itself before giving up.
        var load = LoadLibTorchSharp(libTorchSharpPath);
        if (load is not null)
        {
            yield return new InstallationCheck("libtorch", false, load, LoadFix);
            yield return new InstallationCheck("tensor op", false, "not run: libtorch did not load", LoadFix);
            yield return new InstallationCheck("cuda", false, "not run: libtorch did not load", Required: false);
            yield break;
        }
        yield return InstallationCheck.Run("libtorch", () => WithoutTorchSharpConsoleOutput(() =>
            $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}"), LoadFix);
        yield return InstallationCheck.Run("tensor op", () =>
        {
            // [[1,2,3],[4,5,6]] @ [[1],[1],[1]] = [[6],[15]]: a matmul and a reduction through the native kernels.
            using var a = torch.arange(1, 7, dtype: torch.float32).reshape(2, 3);
            using var ones = torch.ones(3, 1, dtype: torch.float32);
            using var product = a.matmul(ones);
            var rows = product.data<float>().ToArray();
            return rows is [6f, 15f]
                ? "[[1,2,3],[4,5,6]] @ [1,1,1]^T = [6, 15]"
                : throw new InvalidOperationException($"[[1,2,3],[4,5,6]] @ [1,1,1]^T = [{string.Join(", ", rows)}], expected [6, 15]");
        }, "libtorch loaded but computes wrong values; reinstall the TorchSharp and libtorch-cpu-linux-x64 packages (dotnet nuget locals all --clear, rebuild)");
        yield return InstallationCheck.Run("cuda",
            () => torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available (CPU training only)",
            "install a CUDA build of TorchSharp on a GPU machine", required: false);
    }

    /// <summary>Null when the library loads, else the loader's one-line reason.</summary>
    private static string? LoadLibTorchSharp(string? path)
    {
        try
        {
            if (path is null) NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, searchPath: null);
            else NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return LoaderReason(e.Message);
        }
        catch (BadImageFormatException e)
        {
            return LoaderReason(e.Message);
        }
    }

    /// <summary>
    /// The runtime's message lists every path it tried, one dlerror() per line, after a generic preamble; the line
    /// naming the missing version or file is the diagnosis.
    /// </summary>
    internal static string LoaderReason(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(l => l.Contains("version `", StringComparison.Ordinal))
            // A dependency that is missing ("libtorch.so: cannot open ..."), not one of the paths probed for the library.
            ?? lines.FirstOrDefault(l => l.Contains("cannot open shared object file", StringComparison.Ordinal) && !l.StartsWith('/'))
            // A library that exists but does not load ("/x/libLibTorchSharp.so: file too short").
            ?? lines.FirstOrDefault(l => l.StartsWith('/') && File.Exists(l.Split(':')[0]))
            ?? (lines.Length > 0 ? lines[0] : message);
    }

    // TorchSharp writes its load failure to Console.Out before throwing; the report keeps one line per check.
    private static T WithoutTorchSharpConsoleOutput<T>(Func<T> probe)
    {
        var original = Console.Out;
        Console.SetOut(TextWriter.Null);
        try { return probe(); }
        finally { Console.SetOut(original); }
    }
}
