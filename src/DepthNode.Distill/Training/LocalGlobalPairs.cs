using DepthNode.Distill.Losses;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>At which resolution a student RoI and its teacher patch are compared.</summary>
public enum PatchComparison
{
    /// <summary>
    /// The patch's size in the student's map (rounded): the student is not upsampled, the teacher patch is
    /// area-averaged down to it. Default [inferred; the method doc's recommendation].
    /// </summary>
    StudentPixels,

    /// <summary>The teacher patch's own size: the student's RoI is bilinearly upsampled to it.</summary>
    TeacherPixels,
}

/// <summary>
/// Builds the local-global pairs of Eq. 8: for each patch of the sample, the student's prediction of the whole crop
/// cut to the patch region (<see cref="RoiResampler.Crop"/>) and the teacher's prediction of that patch at the same
/// size. Each pair is later normalised on its own by <see cref="DisparityLoss"/> (every teacher patch lives in its own
/// affine frame). The valid mask is where the teacher's value is finite.
/// </summary>
public static class LocalGlobalPairs
{
    public static List<PatchPair> Build(Tensor studentMap, IReadOnlyList<Tensor> teacherPatches, CrossContextSample sample,
        PatchComparison comparison = PatchComparison.StudentPixels)
    {
        if (teacherPatches.Count != sample.Patches.Count)
            throw new ArgumentException($"{teacherPatches.Count} teacher patch maps for {sample.Patches.Count} patches");
        var (mapHeight, mapWidth) = ((int)studentMap.shape[2], (int)studentMap.shape[3]);
        var pairs = new List<PatchPair>(teacherPatches.Count);
        for (var n = 0; n < teacherPatches.Count; n++)
        {
            var box = sample.PatchInStudentMap(n, mapWidth, mapHeight);
            var teacher = teacherPatches[n];
            var (h, w) = comparison == PatchComparison.StudentPixels
                ? (Math.Max(2, (int)Math.Round(box.Height)), Math.Max(2, (int)Math.Round(box.Width)))
                : ((int)teacher.shape[2], (int)teacher.shape[3]);
            var student = RoiResampler.Crop(studentMap, box, h, w);
            var resized = RoiResampler.Resize(teacher.to(student.dtype), h, w);
            pairs.Add(new PatchPair(student, resized, resized.isfinite()));
        }
        return pairs;
    }
}
