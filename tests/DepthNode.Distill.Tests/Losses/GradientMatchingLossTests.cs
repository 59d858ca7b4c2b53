using DepthNode.Distill.Losses;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

public class GradientMatchingLossTests
{
    [Fact]
    public void Compute_GloballyNormalisedRealBatch_MatchesFourScaleReference()
    {
        using var scope = NewDisposeScope();
        var real = new RealPairBatch();
        var mask = real.MaskTensor();
        var b = real.Teacher.Length;
        var (ns, _, _) = ScaleShiftNormalizer.Normalize(real.StudentTensor().reshape(b, -1), mask.reshape(b, -1));
        var (nt, _, _) = ScaleShiftNormalizer.Normalize(real.TeacherTensor().reshape(b, -1), mask.reshape(b, -1));

        var loss = GradientMatchingLoss.Compute(ns.reshape(mask.shape), nt.reshape(mask.shape), mask).item<double>();

        var expected = LossReference.GradientMatching(real.Student, real.Teacher, real.Mask, real.Height, real.Width, 4);
        Assert.True(expected > 0.1, $"reference {expected} too small to test anything");
        Assert.Equal(expected, loss, expected * 1e-9);
    }

    [Fact]
    public void Compute_OneScaleOnOddSizedCrop_MatchesReference()
    {
        using var scope = NewDisposeScope();
        var real = new RealPairBatch(stride: 7); // 92×69: odd sizes exercise the subsampling edges
        var mask = real.MaskTensor();
        var b = real.Teacher.Length;
        var (ns, _, _) = ScaleShiftNormalizer.Normalize(real.StudentTensor().reshape(b, -1), mask.reshape(b, -1));
        var (nt, _, _) = ScaleShiftNormalizer.Normalize(real.TeacherTensor().reshape(b, -1), mask.reshape(b, -1));

        foreach (var scales in new[] { 1, 3 })
        {
            var loss = GradientMatchingLoss.Compute(ns.reshape(mask.shape), nt.reshape(mask.shape), mask, scales).item<double>();
            var expected = LossReference.GradientMatching(real.Student, real.Teacher, real.Mask, real.Height, real.Width, scales);
            Assert.Equal(expected, loss, expected * 1e-9);
        }
    }
}
