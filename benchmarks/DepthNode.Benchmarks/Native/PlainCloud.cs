using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DepthNode.Benchmarks;

/// <summary>Compiles plain_point_cloud.cpp with g++ -O2 (as a user would build depth_image_proc) and loads it.</summary>
internal static class PlainCloud
{
    public static IntPtr Compile()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Native", "plain_point_cloud.cpp");
        var library = Path.Combine(Path.GetTempPath(), $"plain_point_cloud_{Environment.ProcessId}.so");
        using var gpp = Process.Start(new ProcessStartInfo("g++", ["-O2", "-shared", "-fPIC", "-o", library, source]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("g++ did not start");
        var errors = gpp.StandardError.ReadToEnd();
        gpp.WaitForExit();
        if (gpp.ExitCode != 0) throw new InvalidOperationException($"g++ -O2 {source} failed: {errors}");
        return NativeLibrary.Load(library);
    }
}
