using DepthNode.Distill.Training;
using TorchSharp;

namespace DepthNode.Distill.Tests.Training;

/// <summary>
/// training.device against what libtorch offers. There is no GPU here: the CUDA cases pretend one through
/// <see cref="CudaSupport"/> (MockGpu); the CPU-build cases are also what this machine really is.
/// </summary>
public class TrainingDeviceTests
{
    private static readonly CudaSupport CpuBuild = new(LibTorchHasCuda: false, DeviceCount: 0);
    private static readonly CudaSupport CudaBuildNoGpu = new(LibTorchHasCuda: true, DeviceCount: 0);
    private static readonly CudaSupport TwoGpus = new(LibTorchHasCuda: true, DeviceCount: 2);

    [Fact]
    public void Choose_MockGpu_AutoWithGpus_PicksCuda0()
    {
        var d = TrainingDevice.Choose(DevicePreference.Auto, TwoGpus);
        Assert.Equal(DeviceType.CUDA, d.Type);
        Assert.False(d.IsCpu);
        Assert.Equal("device: cuda:0 (training.device: auto; 2 CUDA device(s) visible)", d.LogLine);
    }

    [Fact]
    public void Choose_MockGpu_CudaWithGpus_PicksCuda0()
    {
        var d = TrainingDevice.Choose(DevicePreference.Cuda, TwoGpus);
        Assert.Equal(DeviceType.CUDA, d.Type);
        Assert.StartsWith("device: cuda:0 (training.device: cuda;", d.LogLine);
    }

    [Fact]
    public void Choose_MockGpu_CpuAskedForWithGpus_StaysOnTheCpu()
    {
        var d = TrainingDevice.Choose(DevicePreference.Cpu, TwoGpus);
        Assert.True(d.IsCpu);
        Assert.Equal("device: cpu (training.device: cpu)", d.LogLine);
    }

    [Fact]
    public void Choose_AutoOnTheCpuBuild_FallsBackToTheCpuSayingWhy()
    {
        var d = TrainingDevice.Choose(DevicePreference.Auto, CpuBuild);
        Assert.True(d.IsCpu);
        Assert.Equal("device: cpu (CUDA not available in this libtorch build)", d.LogLine);
    }

    [Fact]
    public void Choose_MockGpu_AutoOnACudaBuildWithoutAGpu_FallsBackNamingTheDriver()
    {
        var d = TrainingDevice.Choose(DevicePreference.Auto, CudaBuildNoGpu);
        Assert.True(d.IsCpu);
        Assert.Contains("libtorch is a CUDA build but sees no GPU", d.LogLine);
    }

    [Fact]
    public void Choose_CudaOnTheCpuBuild_ThrowsNamingTheBuildProperty()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TrainingDevice.Choose(DevicePreference.Cuda, CpuBuild));
        Assert.Contains("training.device is cuda, but CUDA not available in this libtorch build", e.Message);
        Assert.Contains("-p:TorchBackend=cuda", e.Message);
    }

    [Fact]
    public void Choose_MockGpu_CudaOnACudaBuildWithoutAGpu_ThrowsNamingTheDriver()
    {
        var e = Assert.Throws<InvalidOperationException>(() => TrainingDevice.Choose(DevicePreference.Cuda, CudaBuildNoGpu));
        Assert.Contains("sees no GPU", e.Message);
        Assert.DoesNotContain("TorchBackend", e.Message);
    }

    [Fact]
    public void Probe_ThisMachine_IsTheCpuLibTorchWithoutDevices()
    {
        // Independent of the probe: the build output holds the CPU libtorch and no CUDA one, and the machine has no GPU.
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(native, "libtorch_cpu.so")), native);
        Assert.Equal(new CudaSupport(false, 0), CudaSupport.Probe());
    }
}
