using DepthNode.Distill.Losses;
using DepthNode.Tests;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

[Collection(GlobalTorchGenerator.Name)]
public class DistillationLossTests
{
    private static readonly RealPairBatch Real = new(stride: 2); // 320×240

    /// <summary>A real sub-window [y0, y0+h) × [x0, x0+w) of each map of the batch.</summary>
    private static double[][] Window(double[][] maps, int y0, int x0, int h, int w) =>
        maps.Select(m => Enumerable.Range(0, h * w).Select(i => m[(y0 + i / w) * Real.Width + x0 + i % w]).ToArray()).ToArray();

    private static bool[][] Window(bool[][] maps, int y0, int x0, int h, int w) =>
        maps.Select(m => Enumerable.Range(0, h * w).Select(i => m[(y0 + i / w) * Real.Width + x0 + i % w]).ToArray()).ToArray();

    [Fact]
    public void Compute_RealPairAndTwoPatches_TotalIsTheWeightedSumOfReferenceTerms()
    {
        using var scope = NewDisposeScope();
        var options = new DistillationLossOptions { LocalGlobalNormalization = DepthNormalization.Global, AnchorWeight = 0.3 };
        var windows = new[] { (0, 0, 120, 160), (100, 130, 140, 190) };
        var patches = windows.Select(w => new PatchPair(
            tensor(Window(Real.Student, w.Item1, w.Item2, w.Item3, w.Item4).SelectMany(v => v).ToArray(), [2, 1, w.Item3, w.Item4]),
            tensor(Window(Real.Teacher, w.Item1, w.Item2, w.Item3, w.Item4).SelectMany(v => v).ToArray(), [2, 1, w.Item3, w.Item4]),
            tensor(Window(Real.Mask, w.Item1, w.Item2, w.Item3, w.Item4).SelectMany(v => v).ToArray(), [2, 1, w.Item3, w.Item4]))).ToList();

        var terms = new DistillationLoss(options).Compute(Real.StudentTensor(), Real.TeacherTensor(), Real.MaskTensor(), patches);

        var sc = LossReference.DisparityLoss(Real.Student, Real.Teacher, Real.Mask, [1, 2, 4]);
        var lg = windows.Average(w => LossReference.DisparityLoss(
            Window(Real.Student, w.Item1, w.Item2, w.Item3, w.Item4), Window(Real.Teacher, w.Item1, w.Item2, w.Item3, w.Item4),
            Window(Real.Mask, w.Item1, w.Item2, w.Item3, w.Item4), [1]));
        var grad = LossReference.GradientMatching(Real.Student, Real.Teacher, Real.Mask, Real.Height, Real.Width, 4);
        double anchor = 0;
        for (var b = 0; b < 2; b++)
        {
            var (_, ms, ss) = LossReference.Normalize(Real.Student[b], Real.Mask[b]);
            var (_, mt, st) = LossReference.Normalize(Real.Teacher[b], Real.Mask[b]);
            anchor += (Math.Abs(ms - mt) + Math.Abs(ss - st)) / st / 2;
        }
        Assert.Equal(sc, terms.SharedContext, sc * 1e-9);
        Assert.Equal(lg, terms.LocalGlobal, lg * 1e-9);
        Assert.Equal(grad, terms.Gradient, grad * 1e-9);
        Assert.Equal(anchor, terms.Anchor, anchor * 1e-9);
        Assert.Equal(0.0, terms.Feature);
        var total = 1.0 * sc + 0.5 * lg + 2.0 * grad + 0.3 * anchor;
        Assert.Equal(total, terms.Total.item<double>(), total * 1e-9);
    }

    [Fact]
    public void Compute_TeacherNaNWhereNoDepth_SameLossAsWithZerosAndFiniteGradients()
    {
        using var scope = NewDisposeScope();
        var mask = Real.MaskTensor();
        var withNaN = Real.TeacherTensor().masked_fill(mask.logical_not(), double.NaN);
        var student = Real.StudentTensor().requires_grad_();
        var loss = new DistillationLoss(new DistillationLossOptions());

        var terms = loss.Compute(student, withNaN, mask, [new PatchPair(student[.., .., ..100, ..100], withNaN[.., .., ..100, ..100], mask[.., .., ..100, ..100])]);
        terms.Total.backward();

        var reference = loss.Compute(Real.StudentTensor(), Real.TeacherTensor(), mask, [new PatchPair(Real.StudentTensor()[.., .., ..100, ..100], Real.TeacherTensor()[.., .., ..100, ..100], mask[.., .., ..100, ..100])]);
        Assert.Equal(reference.Total.item<double>(), terms.Total.item<double>(), 1e-12);
        Assert.True(student.grad!.isfinite().all().item<bool>(), "NaN in the teacher leaked into the gradient");
    }

    [Fact]
    public void Constructor_NegativeWeight_ThrowsNamingTheWeight()
    {
        var e = Assert.Throws<ArgumentException>(() => new DistillationLoss(new DistillationLossOptions { GradientWeight = -1 }));
        Assert.Contains("gradient_weight", e.Message);
    }

    /// <summary>Two 3×3 convolutions on a real RGB frame, the student; its first layer's activations are its "features".</summary>
    private sealed class TinyStudent : nn.Module<Tensor, (Tensor Depth, Tensor Features)>
    {
        private readonly nn.Module<Tensor, Tensor> conv1 = nn.Conv2d(3, 8, 3, padding: 1);
        private readonly nn.Module<Tensor, Tensor> conv2 = nn.Conv2d(8, 1, 3, padding: 1);

        public TinyStudent() : base(nameof(TinyStudent)) => RegisterComponents();

        public override (Tensor Depth, Tensor Features) forward(Tensor x)
        {
            var f = nn.functional.relu(conv1.forward(x));
            return (nn.functional.softplus(conv2.forward(f)), f);
        }
    }

    private static Tensor RealRgb(int width, int height)
    {
        using var bgr = Cv2.ImRead(SharedData.Path("data", "nyu", "rgb_00000.jpg"), ImreadModes.Color);
        using var small = bgr.Resize(new OpenCvSharp.Size(width, height), 0, 0, InterpolationFlags.Area);
        small.GetArray(out Vec3b[] px);
        var chw = new float[3 * width * height];
        for (var i = 0; i < px.Length; i++)
        for (var c = 0; c < 3; c++)
            chw[c * px.Length + i] = px[i][2 - c] / 255f;
        return tensor(chw, [1, 3, height, width]);
    }

    public static TheoryData<string> Terms => ["hybrid", "local", "global", "none", "gradient", "feature", "anchor"];

    [Theory]
    [MemberData(nameof(Terms))]
    public void Compute_TwentyAdamStepsOfATinyNetOnRealData_LowerTheTerm(string term)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        var teacherMap = RealDisparity.Load(SharedData.Path("data", "nyu", "sync_depth_00000.png"), stride: 8); // 80×60
        var teacher = tensor(teacherMap.Values.Select(v => (float)v).ToArray(), [1, 1, 60, 80]);
        var mask = tensor(teacherMap.Valid, [1, 1, 60, 80]);
        var rgb = RealRgb(80, 60);
        using var student = new TinyStudent();
        using var reference = nn.Conv2d(3, 8, 3, padding: 1);
        Tensor referenceFeatures;
        using (no_grad()) referenceFeatures = reference.forward(rgb).relu();
        var options = term switch
        {
            "hybrid" or "local" or "global" or "none" => new DistillationLossOptions
            {
                SharedContextNormalization = Enum.Parse<DepthNormalization>(term, ignoreCase: true),
                GradientWeight = 0, AnchorWeight = 0, FeatureWeight = 0,
            },
            "gradient" => new DistillationLossOptions { SharedContextWeight = 0, AnchorWeight = 0, FeatureWeight = 0 },
            "feature" => new DistillationLossOptions { SharedContextWeight = 0, AnchorWeight = 0, GradientWeight = 0 },
            _ => new DistillationLossOptions { SharedContextWeight = 0, GradientWeight = 0, FeatureWeight = 0, AnchorWeight = 1 },
        };
        var loss = new DistillationLoss(options);
        using var optimizer = optim.Adam(student.parameters(), lr: 0.01);

        double first = 0, last = 0;
        for (var step = 0; step < 20; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var (depth, features) = student.forward(rgb);
            var terms = loss.Compute(depth, teacher, mask, studentFeatures: features, referenceFeatures: referenceFeatures, featureChannelDim: 1);
            terms.Total.backward();
            optimizer.step();
            var value = terms.Total.item<float>();
            Assert.True(double.IsFinite(value), $"step {step}: loss {value}");
            if (step == 0) first = value;
            last = value;
        }

        Assert.True(last < 0.95 * first, $"{term}: {first} → {last}");
    }
}
