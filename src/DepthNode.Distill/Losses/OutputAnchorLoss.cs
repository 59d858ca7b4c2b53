using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Losses;

/// <summary>
/// A weak term that keeps the student's output in the teacher's affine frame: per image,
/// (|med_s − med_t| + |mad_s − mad_t|) / mad_t, averaged over the batch, with the median and mean absolute deviation
/// of <see cref="ScaleShiftNormalizer"/> over the valid mask.
/// </summary>
/// <remarks>
/// Why: the global and hybrid losses (and gradient matching on normalised maps) are blind to the student's scale and
/// shift, so nothing stops its output magnitude from drifting; a reproduction of Distill-Any-Depth saw exactly that
/// (issue #36 of the official repository). This term acts only in that blind direction, so it does not compete with
/// the distillation terms, and dividing by the teacher's MAD makes it independent of each teacher's output scale.
/// </remarks>
public static class OutputAnchorLoss
{
    /// <summary>The anchor and the batch-mean output statistics of both maps (for logging).</summary>
    public static (Tensor Loss, OutputStatistics Student, OutputStatistics Teacher) Compute(Tensor student, Tensor teacher, Tensor mask)
    {
        DisparityLoss.CheckPair(student, teacher, mask);
        using var scope = NewDisposeScope();
        using var zero = 0.0.ToScalar();
        var batch = student.shape[0];
        var m = mask.reshape(batch, -1);
        var (_, medS, madS) = ScaleShiftNormalizer.Normalize(student.reshape(batch, -1), m);
        Tensor medT, madT;
        using (no_grad())
            (_, medT, madT) = ScaleShiftNormalizer.Normalize(teacher.reshape(batch, -1).to(student.dtype).masked_fill(m.logical_not(), zero), m);
        var loss = (((medS - medT).abs() + (madS - madT).abs()) / madT).mean();
        var studentStats = new OutputStatistics(medS.mean().to(ScalarType.Float64).item<double>(), madS.mean().to(ScalarType.Float64).item<double>());
        var teacherStats = new OutputStatistics(medT.mean().to(ScalarType.Float64).item<double>(), madT.mean().to(ScalarType.Float64).item<double>());
        return (loss.MoveToOuterDisposeScope(), studentStats, teacherStats);
    }
}

/// <summary>Batch means of the per-image median and mean absolute deviation (the normaliser's scale) of a map.</summary>
public readonly record struct OutputStatistics(double Median, double Mad);
