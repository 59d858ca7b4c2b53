using DepthNode.Distill.Losses;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

public class DepthRangeContextsTests
{
    [Fact]
    public void Build_HybridOnRealTeachers_EqualsReferenceBinsAndPutsEachValidPixelInOneBinPerLevel()
    {
        using var scope = NewDisposeScope();
        var real = new RealPairBatch();
        var b = real.Teacher.Length;
        var n = real.Teacher[0].Length;

        var contexts = DepthRangeContexts.Build(real.TeacherTensor().reshape(b, -1), real.MaskTensor().reshape(b, -1), [1, 2, 4]);

        Assert.Equal(new long[] { 7, b, n }, contexts.shape);
        var flat = contexts.reshape(-1).data<bool>().ToArray();
        for (var image = 0; image < b; image++)
        {
            var expected = LossReference.Contexts(real.Teacher[image], real.Mask[image], [1, 2, 4]);
            for (var c = 0; c < 7; c++)
            {
                var mismatches = 0;
                for (var i = 0; i < n; i++) if (flat[(c * b + image) * n + i] != expected[c][i]) mismatches++;
                Assert.True(mismatches == 0, $"image {image} context {c}: {mismatches} pixels differ");
            }
            for (var i = 0; i < n; i++)
            {
                var inContexts = expected.Count(c => c[i]);
                Assert.Equal(real.Mask[image][i] ? 3 : 0, inContexts);
            }
        }
        // The teacher's maximum is in the top bin of every level (HDN's +1e-30 vanishes in float arithmetic).
        var maxIndex = Array.IndexOf(real.Teacher[0], real.Teacher[0].Where((_, i) => real.Mask[0][i]).Max());
        Assert.True(flat[(0 * b + 0) * n + maxIndex] && flat[(2 * b + 0) * n + maxIndex] && flat[(6 * b + 0) * n + maxIndex]);
    }
}
