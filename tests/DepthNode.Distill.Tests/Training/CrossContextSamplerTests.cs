using DepthNode.Distill.Training;

namespace DepthNode.Distill.Tests.Training;

public class CrossContextSamplerTests
{
    [Theory]
    [InlineData(560, 644)] // the paper's own pair: 560-px input, crops from 644 px
    [InlineData(224, 258)] // FastDepth-sized teachers: ⌈224·644/560⌉ = ⌈257.6⌉
    [InlineData(518, 596)] // ⌈518·1.15⌉ = ⌈595.7⌉
    public void ForTeacherInput_InputSide_KeepsThePapersCropToInputRatio(int input, int expectedMin)
    {
        var options = CrossContextOptions.ForTeacherInput(input);

        Assert.Equal(expectedMin, options.CropSideMin);
        Assert.Equal(input, options.PatchSide);
        Assert.Equal(0, options.CropSideMax);
    }

    [Fact]
    public void Sample_TwoThousandDrawsOn640x480_CropsInsideFrameCoverTheRangeAndCornerPatchesInsideCrop()
    {
        var sampler = new CrossContextSampler(new CrossContextOptions(), seed: 1);
        int smallest = int.MaxValue, largest = 0;
        for (var i = 0; i < 2000; i++)
        {
            var s = sampler.Sample(640, 480);
            var c = s.Crop;
            Assert.InRange(c.Side, 258, 480);
            Assert.InRange(c.X, 0, 640 - c.Side);
            Assert.InRange(c.Y, 0, 480 - c.Side);
            (smallest, largest) = (Math.Min(smallest, c.Side), Math.Max(largest, c.Side));
            var far = c.Side - 224;
            Assert.Equal([new SquareBox(0, 0, 224), new SquareBox(far, 0, 224), new SquareBox(0, far, 224), new SquareBox(far, far, 224)], s.Patches);
        }
        Assert.Equal(258, smallest);
        Assert.Equal(480, largest);
    }

    [Fact]
    public void Sample_KittiFrame_CropsStopAtTheShortSide()
    {
        var sampler = new CrossContextSampler(new CrossContextOptions(), seed: 2);

        var sides = Enumerable.Range(0, 1000).Select(_ => sampler.Sample(1242, 375).Crop.Side).ToList();

        Assert.Equal(375, sides.Max());
        Assert.Equal(258, sides.Min());
    }

    [Fact]
    public void Sample_FrameShorterThanTheMinimum_CropsTheShortSideAndPatchesTheWholeCrop()
    {
        var sample = new CrossContextSampler(new CrossContextOptions(), seed: 3).Sample(200, 150);

        Assert.Equal(150, sample.Crop.Side);
        Assert.All(sample.Patches, p => Assert.Equal(new SquareBox(0, 0, 150), p));
    }

    [Fact]
    public void Sample_RandomPlacement_PatchesInsideTheCropAndSpread()
    {
        var sampler = new CrossContextSampler(new CrossContextOptions { Placement = PatchPlacement.Random, PatchCount = 6 }, seed: 4);
        var xs = new HashSet<int>();
        for (var i = 0; i < 200; i++)
        {
            var s = sampler.Sample(640, 480);
            Assert.Equal(6, s.Patches.Count);
            foreach (var p in s.Patches)
            {
                Assert.Equal(224, p.Side);
                Assert.InRange(p.X, 0, s.Crop.Side - 224);
                Assert.InRange(p.Y, 0, s.Crop.Side - 224);
                xs.Add(p.X);
            }
        }
        Assert.True(xs.Count > 50, $"only {xs.Count} distinct patch positions");
    }

    [Fact]
    public void Sample_SameSeed_SameViews_OtherSeed_OtherViews()
    {
        var a = new CrossContextSampler(new CrossContextOptions(), seed: 9);
        var b = new CrossContextSampler(new CrossContextOptions(), seed: 9);
        var c = new CrossContextSampler(new CrossContextOptions(), seed: 10);

        var va = Enumerable.Range(0, 20).Select(_ => a.Sample(640, 480).Crop).ToList();
        var vb = Enumerable.Range(0, 20).Select(_ => b.Sample(640, 480).Crop).ToList();
        var vc = Enumerable.Range(0, 20).Select(_ => c.Sample(640, 480).Crop).ToList();

        Assert.Equal(va, vb);
        Assert.NotEqual(va, vc);
    }

    [Fact]
    public void PatchInStudentMap_CropOf400To224Map_ScalesByTheMapOverCropRatio()
    {
        var sample = new CrossContextSample(new SquareBox(100, 30, 400), [new SquareBox(176, 50, 224)]);

        var box = sample.PatchInStudentMap(0, 224, 224);

        Assert.Equal(new RoiBox(176 * 0.56, 50 * 0.56, 224 * 0.56, 224 * 0.56), box);
        Assert.Equal(new SquareBox(276, 80, 224), sample.PatchInFrame(0));
    }

    [Theory]
    [InlineData(0, 0, 224, 4, PatchPlacement.Corners, "crop_side_min")]
    [InlineData(300, 200, 224, 4, PatchPlacement.Corners, "crop_side_max (200) is below crop_side_min (300)")]
    [InlineData(258, 0, 224, 5, PatchPlacement.Corners, "needs placement random")]
    public void Constructor_BadOptions_ThrowsNamingTheSetting(int min, int max, int patch, int count, PatchPlacement placement, string expected)
    {
        var options = new CrossContextOptions { CropSideMin = min, CropSideMax = max, PatchSide = patch, PatchCount = count, Placement = placement };

        var e = Assert.Throws<ArgumentException>(() => new CrossContextSampler(options, 0));

        Assert.Contains(expected, e.Message);
    }
}
