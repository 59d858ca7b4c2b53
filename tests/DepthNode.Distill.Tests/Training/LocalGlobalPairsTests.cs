using DepthNode.Distill.Tests.Losses;
using DepthNode.Distill.Training;
using DepthNode.Tests;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Training;

public class LocalGlobalPairsTests
{
    [Fact]
    public void Build_448CropOfARealFrameSeenAt224_PairsStudentQuartersWithTwoByTwoMeansOfTheTeacherPatches()
    {
        using var scope = NewDisposeScope();
        var frame = RealDisparity.Load(SharedData.Path("data", "sun3d_fragment1", "frame-000950.depth.png")); // 640×480
        var sample = new CrossContextSampler(new CrossContextOptions { CropSideMin = 448, CropSideMax = 448 }, seed: 5).Sample(640, 480);
        var c = sample.Crop;
        double At(int x, int y) => frame.Values[(c.Y + y) * 640 + c.X + x];
        // Student: its "prediction" of the crop at 224 px is the crop's 2×2 means; teachers: each 224-px patch as it is.
        var studentMap = new double[224 * 224];
        for (var y = 0; y < 224; y++)
        for (var x = 0; x < 224; x++)
            studentMap[y * 224 + x] = (At(2 * x, 2 * y) + At(2 * x + 1, 2 * y) + At(2 * x, 2 * y + 1) + At(2 * x + 1, 2 * y + 1)) / 4;
        var teacherPatches = sample.Patches.Select(p =>
            tensor(Enumerable.Range(0, 224 * 224).Select(i => At(p.X + i % 224, p.Y + i / 224)).ToArray(), [1, 1, 224, 224])).ToList();

        var pairs = LocalGlobalPairs.Build(tensor(studentMap, [1, 1, 224, 224]), teacherPatches, sample);

        Assert.Equal(4, pairs.Count);
        for (var n = 0; n < 4; n++)
        {
            Assert.Equal(new long[] { 1, 1, 112, 112 }, pairs[n].Student.shape);
            var s = pairs[n].Student.reshape(-1).data<double>().ToArray();
            var t = pairs[n].Teacher.reshape(-1).data<double>().ToArray();
            var (px, py) = (sample.Patches[n].X / 2, sample.Patches[n].Y / 2); // corners: 0 or 224 in the crop
            for (var i = 0; i < 112 * 112; i++)
            {
                var (x, y) = (i % 112, i / 112);
                Assert.Equal(studentMap[(py + y) * 224 + px + x], s[i], 1e-12);
                Assert.Equal(studentMap[(py + y) * 224 + px + x], t[i], 1e-12); // the teacher's patch, 2×2-averaged
            }
            Assert.True(pairs[n].Mask.all().item<bool>());
        }
    }

    [Fact]
    public void Build_TeacherPixels_UpsamplesTheStudentRoiToThePatchSize()
    {
        using var scope = NewDisposeScope();
        var sample = new CrossContextSample(new SquareBox(0, 0, 300), [new SquareBox(76, 0, 224)]);
        var studentMap = rand(1, 1, 160, 160, dtype: ScalarType.Float64);

        var pairs = LocalGlobalPairs.Build(studentMap, [rand(1, 1, 224, 224, dtype: ScalarType.Float64)], sample, PatchComparison.TeacherPixels);

        Assert.Equal(new long[] { 1, 1, 224, 224 }, pairs[0].Student.shape);
        Assert.Equal(new long[] { 1, 1, 224, 224 }, pairs[0].Teacher.shape);
    }
}
