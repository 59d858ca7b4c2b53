using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Benchmarks.Inference;

/// <summary>
/// FastDepth (224×224) on the CPU execution provider through <see cref="OnnxDepthModel"/> (IOBinding over pinned
/// buffers) on 1 and 2 intra-op threads, and the network's output resized back to a 1242×375 frame. Allocated/op
/// is the per-frame allocation in steady state.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class InferenceBenchmarks
{
    [Params(1, 2)]
    public int Threads { get; set; }

    private OnnxDepthModel _model = null!;
    private readonly DepthOutputResampler _resampler = new();
    private readonly float[] _depth = new float[1242 * 375];

    [GlobalSetup]
    public void Setup()
    {
        _model = new OnnxDepthModel(ModelCard.Load(CheckoutModels.DefaultCardPath), OnnxModelOptions.CpuOnly(Threads));
        var input = _model.GetInputBuffer(new TensorSize(224, 224));
        for (var i = 0; i < input.Length; i++) input[i] = (i % 255) / 255f;
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public int FastDepthRun() => _model.Run().Width;

    [Benchmark]
    public ResampleCounts ResampleTo1242x375()
    {
        var o = _model.Run();
        return _resampler.Run(o.Values, o.Width, o.Height, _depth, 1242, 375);
    }
}
