using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DepthNode.Core.Tests.Imaging;

/// <summary>
/// scripts/test.sh runs the kernel tests again with DOTNET_EnableHWIntrinsic=0 (scalar paths) and with
/// DOTNET_EnableAVX=0 / DOTNET_EnableAVX2=0 (128-bit paths on x64). This checks those runs really took the paths they
/// are meant to test, so a renamed variable cannot turn them into repeats of the default run.
/// </summary>
public class KernelPathTests
{
    [Fact]
    public void HardwareIntrinsics_FollowTheEnvironment()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.False(Vector128.IsHardwareAccelerated, "DOTNET_EnableHWIntrinsic=0 but Vector128 is accelerated");
        else
            Assert.True(Vector128.IsHardwareAccelerated, "the default run must take the vector paths");
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX") == "0")
            Assert.False(Avx.IsSupported || Vector256.IsHardwareAccelerated, "DOTNET_EnableAVX=0 but AVX is in use");
    }
}
