using System.Diagnostics;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

/// <summary>
/// Runs Reference/depth_anything_reference.py (our independent PyTorch implementation) with Debian's python3-torch.
/// Always /usr/bin/python3: that is the interpreter scripts/setup.sh installs python3-torch for.
/// </summary>
internal static class PythonReference
{
    public const string Python = "/usr/bin/python3";

    public static string Script => SharedData.RepoRoot() is var root
        ? Path.Combine(root, "tests", "DepthNode.Distill.Tests", "Networks", "DepthAnything", "Reference", "depth_anything_reference.py")
        : throw new InvalidOperationException();

    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0,
            $"{Python} {Script} {string.Join(' ', arguments)} exited {p.ExitCode} (python3-torch installed by scripts/setup.sh?):\n{stdout}{stderr.Result}");
    }

    public static void WriteFloats(string path, ReadOnlySpan<float> values) =>
        File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    public static float[] ReadFloats(string path) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
