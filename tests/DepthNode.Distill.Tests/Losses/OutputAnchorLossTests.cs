using DepthNode.Distill.Losses;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

public class OutputAnchorLossTests
{
    [Fact]
    public void Compute_RealBatch_MatchesMedianAndMadReferenceAndReportsStudentStatistics()
    {
        using var scope = NewDisposeScope();
        var real = new RealPairBatch();

        var (loss, student, teacher) = OutputAnchorLoss.Compute(real.StudentTensor(), real.TeacherTensor(), real.MaskTensor());

        double expected = 0, medS = 0, madS = 0, medT = 0, madT = 0;
        for (var b = 0; b < 2; b++)
        {
            var (_, ms, ss) = LossReference.Normalize(real.Student[b], real.Mask[b]);
            var (_, mt, st) = LossReference.Normalize(real.Teacher[b], real.Mask[b]);
            expected += (Math.Abs(ms - mt) + Math.Abs(ss - st)) / st / 2;
            (medS, madS, medT, madT) = (medS + ms / 2, madS + ss / 2, medT + mt / 2, madT + st / 2);
        }
        Assert.Equal(expected, loss.item<double>(), expected * 1e-9);
        Assert.Equal(medS, student.Median, 1e-9);
        Assert.Equal(madS, student.Mad, 1e-9);
        Assert.Equal(medT, teacher.Median, 1e-9);
        Assert.Equal(madT, teacher.Mad, 1e-9);
    }
}
