using OpenCvSharp;

namespace DepthNode.Imaging;

/// <summary>
/// Whether OpenCV's native library (libOpenCvSharpExtern, with OpenCV linked in) loads in this process, found out once
/// by calling into it. The managed OpenCvSharp assembly is always there; the native one comes from a runtime package
/// that exists for linux-x64 only, so on linux-arm64 (Jetson) it is missing unless built from source.
/// </summary>
public static class OpenCvNative
{
    private static readonly Lazy<(bool Loaded, string Detail)> Probe = new(Load);

    public static bool IsLoaded => Probe.Value.Loaded;

    /// <summary>"OpenCV 4.13.0" when loaded, else the loader's first line (which library, why it did not load).</summary>
    public static string Detail => Probe.Value.Detail;

    private static (bool, string) Load()
    {
        try
        {
            return (true, "OpenCV " + Cv2.GetVersionString());
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            // OpenCvSharp wraps the loader's error in a TypeInitializationException; the innermost one says what is missing.
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            // The loader lists every path it tried; a line naming a missing library is the useful one.
            var lines = inner.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = lines.FirstOrDefault(l => l.Contains("cannot open shared object file") && !l.StartsWith('/'))
                ?? (lines.Length > 0 ? lines[0] : inner.GetType().Name);
            return (false, line.Length > 240 ? line[..240] + "…" : line);
        }
    }
}
