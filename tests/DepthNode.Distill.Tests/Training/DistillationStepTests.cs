using DepthNode.Distill.Losses;
using DepthNode.Distill.Training;
using DepthNode.Tests;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Training;

[Collection(GlobalTorchGenerator.Name)]
public class DistillationStepTests
{
    /// <summary>A tiny conv student with an "encoder." and a "decoder." part (a stand-in for a real network).</summary>
    private sealed class TinyStudent : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> encoder = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding: 1), nn.ReLU());
        private readonly nn.Module<Tensor, Tensor> decoder = nn.Sequential(nn.Conv2d(8, 1, 3, padding: 1), nn.Softplus());

        public TinyStudent() : base(nameof(TinyStudent)) => RegisterComponents();

        public override Tensor forward(Tensor x) => decoder.forward(encoder.forward(x));
    }

    private static readonly CrossContextOptions Geometry = new() { CropSideMin = 65, PatchSide = 56 };

    /// <summary>
    /// Four real SUN3D views at quarter resolution (160×120): student input = the crop's colour at 64², teacher =
    /// the sensor's disparity (NaN where no depth) of the crop at 32² and of each patch at its native 56².
    /// </summary>
    private static (Tensor Input, List<TeacherView> Views) RealBatch()
    {
        var sampler = new CrossContextSampler(Geometry, seed: 3);
        var inputs = new List<Tensor>();
        var views = new List<TeacherView>();
        foreach (var frame in new[] { 935, 945, 955, 965 })
        {
            using var bgr = Cv2.ImRead(SharedData.Path("data", "sun3d_fragment1", $"frame-{frame:D6}.color.png")).Resize(new OpenCvSharp.Size(160, 120), 0, 0, InterpolationFlags.Area);
            using var mm = Cv2.ImRead(SharedData.Path("data", "sun3d_fragment1", $"frame-{frame:D6}.depth.png"), ImreadModes.Unchanged);
            mm.GetArray(out ushort[] raw);
            var disparity = new float[160 * 120];
            for (var y = 0; y < 120; y++)
            for (var x = 0; x < 160; x++)
            {
                var v = raw[4 * y * 640 + 4 * x];
                disparity[y * 160 + x] = v == 0 ? float.NaN : 1000f / v;
            }
            var sample = sampler.Sample(160, 120);
            using var crop = new Mat(bgr, new Rect(sample.Crop.X, sample.Crop.Y, sample.Crop.Side, sample.Crop.Side)).Resize(new OpenCvSharp.Size(64, 64), 0, 0, InterpolationFlags.Area);
            crop.GetArray(out Vec3b[] px);
            var chw = new float[3 * 64 * 64];
            for (var i = 0; i < px.Length; i++) for (var c = 0; c < 3; c++) chw[c * px.Length + i] = px[i][2 - c] / 255f;
            inputs.Add(tensor(chw, [1, 3, 64, 64]));
            var d = tensor(disparity, [1, 1, 120, 160]);
            Tensor Region(SquareBox b) => d[.., .., b.Y..(b.Y + b.Side), b.X..(b.X + b.Side)];
            var shared = nn.functional.interpolate(Region(sample.Crop), [32, 32], mode: InterpolationMode.Bilinear, align_corners: false);
            views.Add(new TeacherView(sample, shared, Enumerable.Range(0, sample.Patches.Count).Select(n => Region(sample.PatchInFrame(n))).ToList()));
        }
        return (cat(inputs, 0), views);
    }

    private static (TinyStudent Student, optim.Optimizer Optimizer, DistillationStep Step) NewRun(OptimizerSettings settings, long steps)
    {
        random.manual_seed(5);
        var student = new TinyStudent();
        var optimizer = settings.CreateOptimizer(student, "encoder.");
        return (student, optimizer, new DistillationStep(student, optimizer, new DistillationLoss(new DistillationLossOptions()), settings, steps));
    }

    [Fact]
    public void Run_TwelveStepsOnRealViews_LossFallsAndLiveTensorCountStaysFlat()
    {
        using var outer = NewDisposeScope();
        var (input, views) = RealBatch();
        var settings = new OptimizerSettings { EncoderLearningRate = 3e-3, DecoderLearningRate = 3e-2 };
        var (student, optimizer, step) = NewRun(settings, 12);
        using var _ = student;
        using var __ = optimizer;

        var first = step.Run(input, views);
        DisposeScopeManager.Statistics.Reset();
        var live = new List<long>();
        StepMetrics last = first;
        for (var i = 1; i < 12; i++)
        {
            last = step.Run(input, views);
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            Assert.True(double.IsFinite(last.Total), $"step {i}: {last.Total}");
        }

        Assert.True(last.Total < 0.9 * first.Total, $"{first.Total} → {last.Total}");
        Assert.True(first.LocalGlobal > 0 && first.SharedContext > 0 && first.Gradient > 0);
        Assert.All(live, n => Assert.Equal(live[0], n));
        Assert.Equal(12, step.StepsDone);
    }

    [Fact]
    public void Run_SameSeedTwice_SameLossesBitForBit()
    {
        using var outer = NewDisposeScope();
        var (input, views) = RealBatch();
        var settings = new OptimizerSettings { EncoderLearningRate = 1e-3, DecoderLearningRate = 1e-2 };

        double[] Losses()
        {
            var (student, optimizer, step) = NewRun(settings, 4);
            using var _ = student;
            using var __ = optimizer;
            return Enumerable.Range(0, 4).Select(_ => step.Run(input, views).Total).ToArray();
        }

        Assert.Equal(Losses(), Losses());
    }

    [Fact]
    public void Run_PolyScheduleAndGroups_LearningRatesFollowTheDecayPerGroup()
    {
        using var outer = NewDisposeScope();
        var (input, views) = RealBatch();
        var settings = new OptimizerSettings(); // 5e-6 / 5e-5, power 0.9
        var (student, optimizer, step) = NewRun(settings, 10);
        using var _ = student;
        using var __ = optimizer;

        var metrics = Enumerable.Range(0, 3).Select(_ => step.Run(input, views)).ToList();

        for (var i = 0; i < 3; i++)
        {
            var factor = Math.Pow(1 - i / 10.0, 0.9);
            Assert.Equal(5e-6 * factor, metrics[i].EncoderLearningRate, 1e-15);
            Assert.Equal(5e-5 * factor, metrics[i].DecoderLearningRate, 1e-15);
        }
        Assert.Equal(2, optimizer.ParamGroups.Count());
        Assert.Equal(4, ((TorchSharp.Modules.ParamGroup)optimizer.ParamGroups.First()).Parameters.Count()); // encoder: two convs, weight + bias
    }

    [Fact]
    public void Run_ClipNorm_GradientsAfterClippingHaveAtMostThatNorm()
    {
        using var outer = NewDisposeScope();
        var (input, views) = RealBatch();
        var settings = new OptimizerSettings { GradientClipNorm = 1e-3 };
        var (student, optimizer, step) = NewRun(settings, 10);
        using var _ = student;
        using var __ = optimizer;

        var m = step.Run(input, views);

        var norm = Math.Sqrt(student.parameters().Sum(p => p.grad!.pow(2).sum().item<float>()));
        Assert.True(m.GradientNorm > 1e-3, $"pre-clip norm {m.GradientNorm} should exceed the limit in this test");
        Assert.Equal(1e-3, norm, 1e-6);
    }

    [Fact]
    public void Run_StudentWithFeaturesAndFrozenReference_ReportsAndLowersFeatureAlignment()
    {
        using var outer = NewDisposeScope();
        var (input, views) = RealBatch();
        var settings = new OptimizerSettings { EncoderLearningRate = 3e-3, DecoderLearningRate = 3e-2 };
        random.manual_seed(5);
        using var student = new TinyStudent();
        using var reference = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding: 1), nn.ReLU());
        using var optimizer = settings.CreateOptimizer(student, "encoder.");
        var encoder = (nn.Module<Tensor, Tensor>)student.named_children().Single(c => c.name == "encoder").module;
        var decoder = (nn.Module<Tensor, Tensor>)student.named_children().Single(c => c.name == "decoder").module;
        var loss = new DistillationLoss(new DistillationLossOptions { SharedContextWeight = 0, LocalGlobalWeight = 0, GradientWeight = 0, AnchorWeight = 0 });
        var step = new DistillationStep(student, x => { var f = encoder.forward(x); return (decoder.forward(f), f); },
            reference.forward, featureChannelDim: 1, optimizer, loss, settings, totalSteps: 8);

        var metrics = Enumerable.Range(0, 8).Select(_ => step.Run(input, views)).ToList();

        Assert.True(metrics[0].Feature > 0.05, $"feature term {metrics[0].Feature}");
        Assert.Equal(metrics[0].Feature, metrics[0].Total, 1e-6);
        Assert.True(metrics[^1].Feature < 0.9 * metrics[0].Feature, $"{metrics[0].Feature} → {metrics[^1].Feature}");
    }

    [Fact]
    public void TeacherSampler_SevenToThreeOverTenThousandDraws_NearSeventyPercentAndSeeded()
    {
        var a = new TeacherSampler([0.7, 0.3], seed: 1);
        var draws = Enumerable.Range(0, 10000).Select(_ => a.Next()).ToList();
        var b = new TeacherSampler([0.7, 0.3], seed: 1);

        Assert.InRange(draws.Count(d => d == 0), 6850, 7150); // ±3.3 σ of a binomial(10000, 0.7)
        Assert.Equal(draws, Enumerable.Range(0, 10000).Select(_ => b.Next()));
        Assert.All(Enumerable.Range(0, 100).Select(_ => new TeacherSampler([0, 1], 2).Next()), i => Assert.Equal(1, i));
    }
}
