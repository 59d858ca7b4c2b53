using DepthNode.Distill.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

public class DisparityLossTests
{
    private static readonly RealPairBatch Real = new();

    [Theory]
    [InlineData(DepthNormalization.Hybrid, new[] { 1, 2, 4 })]
    [InlineData(DepthNormalization.Local, new[] { 4 })]
    [InlineData(DepthNormalization.Global, new[] { 1 })]
    [InlineData(DepthNormalization.None, null)]
    public void Compute_RealNyuAndSun3dBatch_MatchesPerPixelReference(DepthNormalization kind, int[]? bins)
    {
        using var scope = NewDisposeScope();

        var loss = DisparityLoss.Compute(Real.StudentTensor(), Real.TeacherTensor(), Real.MaskTensor(), kind).item<double>();

        var expected = LossReference.DisparityLoss(Real.Student, Real.Teacher, Real.Mask, bins);
        Assert.True(expected > 0.05, $"reference {expected} too small to test anything");
        Assert.Equal(expected, loss, expected * 1e-9);
    }

    [Fact]
    public void Compute_HybridInFloat32_MatchesReferenceWithinOneInHundredThousand()
    {
        using var scope = NewDisposeScope();

        var loss = DisparityLoss.Compute(Real.StudentTensor(ScalarType.Float32), Real.TeacherTensor(ScalarType.Float32),
            Real.MaskTensor(), DepthNormalization.Hybrid).item<float>();

        var expected = LossReference.DisparityLoss(RealPairBatch.AsFloat(Real.Student), RealPairBatch.AsFloat(Real.Teacher), Real.Mask, [1, 2, 4]);
        Assert.Equal(expected, loss, expected * 1e-5);
    }

    [Theory]
    [InlineData(DepthNormalization.Hybrid)]
    [InlineData(DepthNormalization.Global)]
    public void Compute_StudentScaledAndShifted_Unchanged(DepthNormalization kind)
    {
        using var scope = NewDisposeScope();
        var student = Real.StudentTensor();

        var before = DisparityLoss.Compute(student, Real.TeacherTensor(), Real.MaskTensor(), kind).item<double>();
        var after = DisparityLoss.Compute(student * 40 - 3, Real.TeacherTensor(), Real.MaskTensor(), kind).item<double>();

        // Exact invariance is broken only by the +1e-6 on the scale.
        Assert.Equal(before, after, before * 1e-3);
    }

    [Fact]
    public void Compute_OneImageWithoutValidPixels_CountsOnlyTheOther()
    {
        using var scope = NewDisposeScope();
        var noneValid = new bool[Real.Mask[1].Length];
        var mask = torch.tensor(Real.Mask[0].Concat(noneValid).ToArray(), [2, 1, Real.Height, Real.Width]);

        var loss = DisparityLoss.Compute(Real.StudentTensor(), Real.TeacherTensor(), mask, DepthNormalization.Hybrid).item<double>();

        var expected = LossReference.DisparityLoss([Real.Student[0]], [Real.Teacher[0]], [Real.Mask[0]], [1, 2, 4]);
        Assert.Equal(expected, loss, expected * 1e-9);
    }

    [Fact]
    public void Compute_ShapesDiffer_ThrowsNamingBothShapes()
    {
        using var scope = NewDisposeScope();

        var e = Assert.Throws<ArgumentException>(() =>
            DisparityLoss.Compute(zeros(2, 1, 4, 4), zeros(2, 1, 4, 5), ones(2, 1, 4, 4, dtype: ScalarType.Bool), DepthNormalization.Global));

        Assert.Contains("[2,1,4,4]", e.Message);
        Assert.Contains("[2,1,4,5]", e.Message);
    }

    [Theory]
    [InlineData(DepthNormalization.Hybrid)]
    [InlineData(DepthNormalization.Local)]
    [InlineData(DepthNormalization.Global)]
    [InlineData(DepthNormalization.None)]
    public void Compute_Backward_GivesFiniteGradientsOnValidPixelsOnly(DepthNormalization kind)
    {
        using var scope = NewDisposeScope();
        var student = Real.StudentTensor().requires_grad_();
        var mask = Real.MaskTensor();

        DisparityLoss.Compute(student, Real.TeacherTensor(), mask, kind).backward();

        var grad = student.grad!;
        Assert.True(grad.isfinite().all().item<bool>(), "non-finite gradient");
        Assert.True(grad.masked_select(mask).abs().sum().item<double>() > 0, "no gradient on valid pixels");
        Assert.Equal(0.0, grad.masked_select(mask.logical_not()).abs().sum().item<double>());
    }
}
