using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Inference.Tests;

// The TensorRT and CUDA providers cannot run on this machine (no GPU, CPU ONNX Runtime): these tests check the option
// dictionaries handed to them against the option names documented for ONNX Runtime's TensorRT/CUDA providers.
public class ProviderOptionsTests
{
    private const string Sha = "6275c23f467d476874d0eecea2a2c7059733ca6681de4f17bfbfe3fc3a52a71d";

    private static ModelCard DistillSmall() => ModelCard.Load(Path.Combine(DepthNode.Tests.SharedData.RepoRoot(), "config", "models", "distill_any_depth_small.yaml"));

    [Fact]
    public void TensorRtOptions_MockGpu_FixedModel_CachesUnderKeyOfHashShapeVersionPrecision()
    {
        var card = ModelCard.Load(CheckoutModels.DefaultCardPath);
        var options = new OnnxModelOptions { DeviceId = 1, TensorRt = new TensorRtOptions(Fp16: true, CacheRoot: "/var/cache/dn") };
        var d = ProviderOptionsBuilder.TensorRt(card, Sha, options, "10.14.1");
        Assert.Equal("1", d["device_id"]);
        Assert.Equal("1", d["trt_fp16_enable"]);
        Assert.Equal("1", d["trt_engine_cache_enable"]);
        Assert.Equal("/var/cache/dn/6275c23f467d4768-224x224_224x224_224x224-trt10.14.1-fp16", d["trt_engine_cache_path"]);
        Assert.Equal(d["trt_engine_cache_path"], d["trt_timing_cache_path"]);
        Assert.Equal("1", d["trt_timing_cache_enable"]);
        Assert.Equal((2L << 30).ToString(), d["trt_max_workspace_size"]);
        Assert.False(d.ContainsKey("trt_profile_min_shapes")); // static shapes need no profile
    }

    [Fact]
    public void TensorRtOptions_MockGpu_DynamicModel_GetsProfileShapesAndFp32KeyDiffers()
    {
        var card = DistillSmall();
        var options = new OnnxModelOptions
        {
            TensorRt = new TensorRtOptions(Fp16: false, CacheRoot: "/c", ProfileMin: new(266, 266), ProfileOpt: new(1715, 518), ProfileMax: new(1918, 588)),
        };
        var d = ProviderOptionsBuilder.TensorRt(card, Sha, options, "10.16.0");
        Assert.Equal("pixel_values:1x3x266x266", d["trt_profile_min_shapes"]);
        Assert.Equal("pixel_values:1x3x518x1715", d["trt_profile_opt_shapes"]);
        Assert.Equal("pixel_values:1x3x588x1918", d["trt_profile_max_shapes"]);
        Assert.Equal("0", d["trt_fp16_enable"]);
        Assert.EndsWith("-266x266_1715x518_1918x588-trt10.16.0-fp32", d["trt_engine_cache_path"]);
    }

    [Fact]
    public void TensorRtOptions_MockGpu_DynamicModelWithoutProfile_PinsTheCameraInputSize()
    {
        var card = DistillSmall();
        var input = card.Input.Size.Choose(1242, 375); // 1722x518 (worked out in ModelCardTests)
        var d = ProviderOptionsBuilder.TensorRt(card, Sha, new OnnxModelOptions(), "10.16.0", input);
        Assert.Equal("pixel_values:1x3x518x1722", d["trt_profile_min_shapes"]);
        Assert.Equal("pixel_values:1x3x518x1722", d["trt_profile_opt_shapes"]);
        Assert.Equal("pixel_values:1x3x518x1722", d["trt_profile_max_shapes"]);
        Assert.Contains("1722x518_1722x518_1722x518", d["trt_engine_cache_path"]);
    }

    [Fact]
    public void TensorRtOptions_MockGpu_ProfileOutOfOrderOrOnFixedModel_IsRejected()
    {
        var dyn = new OnnxModelOptions { TensorRt = new TensorRtOptions(ProfileMin: new(700, 700), ProfileOpt: new(518, 518), ProfileMax: new(800, 800)) };
        Assert.Throws<ArgumentException>(() => ProviderOptionsBuilder.TensorRt(DistillSmall(), Sha, dyn, "10"));
        var fixedCard = ModelCard.Load(CheckoutModels.DefaultCardPath);
        var profile = new OnnxModelOptions { TensorRt = new TensorRtOptions(ProfileMax: new(448, 448)) };
        Assert.Throws<ArgumentException>(() => ProviderOptionsBuilder.TensorRt(fixedCard, Sha, profile, "10"));
    }

    [Fact]
    public void CudaOptions_MockGpu_CarryDeviceAndMemoryLimit()
    {
        var d = ProviderOptionsBuilder.Cuda(new OnnxModelOptions { DeviceId = 2, Cuda = new CudaOptions(GpuMemoryLimitBytes: 1 << 30, CudnnConvAlgoSearch: "EXHAUSTIVE") });
        Assert.Equal("2", d["device_id"]);
        Assert.Equal((1 << 30).ToString(), d["gpu_mem_limit"]);
        Assert.Equal("EXHAUSTIVE", d["cudnn_conv_algo_search"]);
        Assert.False(ProviderOptionsBuilder.Cuda(new OnnxModelOptions()).ContainsKey("gpu_mem_limit"));
    }

    [Theory]
    [InlineData("libnvinfer.so.10.14.1", "10.14.1")]
    [InlineData("libnvinfer.so.8", "8")]
    [InlineData("libnvinfer.so", null)]
    [InlineData("libnvinfer_plugin.so.10.3.0", null)]
    [InlineData("libnvinfer.so.10.x", null)]
    public void TensorRtVersion_MockGpu_FromLibraryFileName(string file, string? version) =>
        Assert.Equal(version, ProviderOptionsBuilder.TensorRtVersionFromLibraryName(file));

    [Fact]
    public void DetectTensorRtVersion_MockGpu_MostSpecificLibraryInTheFolders()
    {
        // A TensorRT install as its packages lay it out: the soname links and the full version, plus a plugin library.
        var lib = Directory.CreateTempSubdirectory("depthnode-trt-").FullName;
        var other = Directory.CreateTempSubdirectory("depthnode-trt-").FullName;
        try
        {
            Assert.Equal("unknown", ProviderOptionsBuilder.DetectTensorRtVersion([lib, other, "/nonexistent"]));
            foreach (var f in new[] { "libnvinfer.so", "libnvinfer.so.10", "libnvinfer.so.10.3.0", "libnvinfer_plugin.so.10.4.0" })
                File.WriteAllText(Path.Combine(lib, f), "");
            File.WriteAllText(Path.Combine(other, "libnvinfer.so.8"), "");
            Assert.Equal("10.3.0", ProviderOptionsBuilder.DetectTensorRtVersion([other, lib]));
            Assert.Equal("8", ProviderOptionsBuilder.DetectTensorRtVersion([other]));
        }
        finally
        {
            Directory.Delete(lib, true);
            Directory.Delete(other, true);
        }
    }

    [Fact]
    public void CpuOnlyProviders_DoNotLogFallbacks()
    {
        var log = new List<string>();
        using var m = new OnnxDepthModel(ModelCard.Load(CheckoutModels.DefaultCardPath), OnnxModelOptions.CpuOnly(1) with { WarmupRuns = 0 }, log.Add);
        Assert.DoesNotContain(log, l => l.Contains("falling back"));
        Assert.Equal("CPUExecutionProvider", m.Provider);
    }
}
