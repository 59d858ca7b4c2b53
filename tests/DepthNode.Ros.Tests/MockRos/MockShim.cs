using System.Runtime.InteropServices;
using DepthNode.Ros.Tests.Package;

namespace DepthNode.Ros.Tests.MockRos;

/// <summary>
/// mock_shim.c, compiled with gcc against the real shim header into a temporary libdepthnode_rcl_shim.so and bound to
/// the adapter's [DllImport("depthnode_rcl_shim")] in this assembly, plus its test-control functions.
/// </summary>
internal static unsafe class MockShim
{
    private const string Library = "depthnode_rcl_shim";
    private static readonly Lazy<string> Compiled = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Compiles and binds the mock (once per test run).</summary>
    public static void EnsureLoaded() => _ = Compiled.Value;

    private static string Compile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "depthnode-mockshim-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var output = Path.Combine(dir, "libdepthnode_rcl_shim.so");
        var (code, _, stderr) = ProcessRunner.Run("gcc", ["-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror",
            "-I" + PackageFiles.Path("src", "DepthNode.Ros", "native"),
            PackageFiles.Path("tests", "DepthNode.Ros.Tests", "MockRos", "mock_shim.c"), "-o", output, "-lpthread"]);
        Assert.True(code == 0, "gcc could not build the mock shim against depthnode_rcl_shim.h: " + stderr);
        NativeLibrary.SetDllImportResolver(typeof(MockShim).Assembly,
            (name, _, _) => name == Library ? NativeLibrary.Load(output) : IntPtr.Zero);
        return output;
    }

    [DllImport(Library)] private static extern int mock_deliver(byte* topic, byte* data, nuint length);
    [DllImport(Library)] private static extern int mock_subscription_qos(byte* topic, int* qos);
    [DllImport(Library)] public static extern int mock_live_subscriptions();
    [DllImport(Library)] private static extern IntPtr mock_subscription_type(byte* topic);
    [DllImport(Library)] private static extern int mock_published(int index, out IntPtr publisher, out byte* data, out nuint length);
    [DllImport(Library)] public static extern int mock_published_count();

    public static int Deliver(string topic, ReadOnlySpan<byte> message)
    {
        var name = RclShim.Utf8z(topic);
        fixed (byte* n = name)
        fixed (byte* d = message)
            return mock_deliver(n, d, (nuint)message.Length);
    }

    public static int[]? SubscriptionQos(string topic)
    {
        var name = RclShim.Utf8z(topic);
        var qos = new int[4];
        fixed (byte* n = name)
        fixed (int* q = qos)
            return mock_subscription_qos(n, q) == 1 ? qos : null;
    }

    /// <summary>The message type a live subscription on <paramref name="topic"/> was created for (null: none).</summary>
    public static string? SubscriptionType(string topic)
    {
        var name = RclShim.Utf8z(topic);
        fixed (byte* n = name) return Marshal.PtrToStringAnsi(mock_subscription_type(n));
    }

    /// <summary>Every message published so far on <paramref name="topic"/> (a MockRos publisher's memory is its name).</summary>
    public static List<byte[]> Published(string topic)
    {
        var result = new List<byte[]>();
        for (var i = 0; mock_published(i, out var publisher, out var data, out var length) == 1; i++)
            if (Marshal.PtrToStringAnsi(publisher) == topic) result.Add(new ReadOnlySpan<byte>(data, (int)length).ToArray());
        return result;
    }
}
