#nullable enable
using System;
using System.Runtime.InteropServices;

namespace DepthNode.Ros;

/// <summary>
/// The native shim (native/depthnode_rcl_shim.h): serialized publish and take on rcl handles. Blittable signatures
/// only, so a call is one transition and the bytes are never marshalled.
/// </summary>
internal static unsafe class RclShim
{
    private const string Library = "depthnode_rcl_shim";

    public const int Ok = 0;
    public const int Timeout = 2;            // RCL_RET_TIMEOUT
    public const int NothingToTake = 401;    // RCL_RET_SUBSCRIPTION_TAKE_FAILED

    [DllImport(Library)]
    public static extern int dn_subscription_create(IntPtr node, IntPtr typeSupport, byte* topic,
        int history, int depth, int reliability, int durability, out IntPtr subscription);

    [DllImport(Library)]
    public static extern int dn_subscription_destroy(IntPtr subscription, IntPtr node);

    [DllImport(Library)]
    public static extern int dn_take(IntPtr subscription, out byte* data, out nuint length, out long receivedNs);

    [DllImport(Library)]
    public static extern int dn_subscription_publisher_count(IntPtr subscription, out nuint count);

    [DllImport(Library)]
    public static extern byte* dn_subscription_topic_name(IntPtr subscription);

    [DllImport(Library)]
    public static extern byte* dn_publisher_topic_name(IntPtr publisher);

    [DllImport(Library)]
    public static extern int dn_waiter_create(IntPtr node, nuint capacity, out IntPtr waiter);

    [DllImport(Library)]
    public static extern int dn_waiter_destroy(IntPtr waiter);

    [DllImport(Library)]
    public static extern int dn_wait(IntPtr waiter, IntPtr* subscriptions, nuint count, long timeoutNs, byte* ready);

    [DllImport(Library)]
    public static extern int dn_publish_serialized(IntPtr publisher, byte* data, nuint length);

    [DllImport(Library)]
    public static extern int dn_publisher_subscription_count(IntPtr publisher, out nuint count);

    [DllImport(Library)]
    private static extern nuint dn_last_error(byte* buffer, nuint capacity);

    /// <summary>Throws with rcl's own error text when <paramref name="ret"/> is not OK.</summary>
    public static void Check(int ret, string what)
    {
        if (ret == Ok) return;
        throw new InvalidOperationException($"{what} failed (rcl_ret_t {ret}): {LastError()}");
    }

    public static string LastError()
    {
        var buffer = stackalloc byte[512];
        var n = dn_last_error(buffer, 512);
        return n == 0 ? "no rcl error text" : Marshal.PtrToStringUTF8((IntPtr)buffer, (int)n);
    }

    public static string Text(byte* utf8z) => utf8z == null ? "" : Marshal.PtrToStringUTF8((IntPtr)utf8z) ?? "";

    /// <summary>A NUL-terminated UTF-8 copy of a topic name (start-up only).</summary>
    public static byte[] Utf8z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
