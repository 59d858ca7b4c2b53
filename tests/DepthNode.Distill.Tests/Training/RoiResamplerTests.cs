using DepthNode.Distill.Tests.Losses;
using DepthNode.Distill.Training;
using DepthNode.Tests;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Training;

public class RoiResamplerTests
{
    /// <summary>Plain bilinear interpolation between pixel centres, border pixels repeated, in double.</summary>
    private static double Bilinear(double[] map, int h, int w, double x, double y)
    {
        // x, y in edge coordinates (pixel i covers [i, i+1)); centres at i + 0.5.
        var (cx, cy) = (Math.Clamp(x - 0.5, 0, w - 1), Math.Clamp(y - 0.5, 0, h - 1));
        var (x0, y0) = ((int)Math.Floor(cx), (int)Math.Floor(cy));
        var (x1, y1) = (Math.Min(x0 + 1, w - 1), Math.Min(y0 + 1, h - 1));
        var (fx, fy) = (cx - x0, cy - y0);
        var top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
        var bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    [Fact]
    public void Crop_LinearRampWithFractionalBox_ReturnsTheRampAtEachOutputCentre()
    {
        using var scope = NewDisposeScope();
        // f = 3x + 2y + 1 at pixel centres (x = i + 0.5): bilinear interpolation reproduces it exactly.
        const int h = 40, w = 50;
        var ramp = new double[h * w];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) ramp[y * w + x] = 3 * (x + 0.5) + 2 * (y + 0.5) + 1;
        var box = new RoiBox(7.3, 11.6, 20.5, 13.2);

        var cut = RoiResampler.Crop(tensor(ramp, [1, 1, h, w]), box, 9, 17).reshape(-1).data<double>().ToArray();

        for (var v = 0; v < 9; v++)
        for (var u = 0; u < 17; u++)
        {
            var x = box.X + (u + 0.5) * box.Width / 17;
            var y = box.Y + (v + 0.5) * box.Height / 9;
            Assert.Equal(3 * x + 2 * y + 1, cut[v * 17 + u], 1e-9);
        }
    }

    [Fact]
    public void Crop_WholeRealMapAtItsOwnSize_ReturnsItUnchanged()
    {
        using var scope = NewDisposeScope();
        var d = RealDisparity.Load(SharedData.Path("data", "sun3d_fragment1", "frame-000940.depth.png"), stride: 4);

        var cut = RoiResampler.Crop(tensor(d.Values, [1, 1, d.Height, d.Width]), new RoiBox(0, 0, d.Width, d.Height), d.Height, d.Width);

        Assert.Equal(d.Values, cut.reshape(-1).data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Crop_RealMapFractionalBoxTouchingTheBorder_MatchesPlainBilinear()
    {
        using var scope = NewDisposeScope();
        var d = RealDisparity.Load(SharedData.Path("data", "nyu", "sync_depth_00100.png"), stride: 4); // 160×120
        var box = new RoiBox(0, 37.25, 71.5, 82.75); // starts on the left border, ends on the bottom one

        var cut = RoiResampler.Crop(tensor(d.Values, [1, 1, d.Height, d.Width]), box, 31, 44).reshape(-1).data<double>().ToArray();

        for (var v = 0; v < 31; v++)
        for (var u = 0; u < 44; u++)
        {
            var expected = Bilinear(d.Values, d.Height, d.Width, box.X + (u + 0.5) * box.Width / 44, box.Y + (v + 0.5) * box.Height / 31);
            Assert.Equal(expected, cut[v * 44 + u], 1e-9);
        }
    }

    [Fact]
    public void Resize_RealMapShrunkByThree_EqualsThreeByThreeBlockMeans()
    {
        using var scope = NewDisposeScope();
        var d = RealDisparity.Load(SharedData.Path("data", "nyu", "sync_depth_00050.png"), stride: 2); // 320×240

        var small = RoiResampler.Resize(tensor(d.Values, [1, 1, 240, 320]), 80, 106).reshape(-1).data<double>().ToArray();

        // 320 / 106 is not an integer: check the 3×3 blocks PyTorch's area mode uses, i.e. [⌊i·320/106⌋, ⌈(i+1)·320/106⌉).
        for (var v = 0; v < 80; v++)
        for (var u = 0; u < 106; u++)
        {
            var (x0, x1) = ((int)Math.Floor(u * 320.0 / 106), (int)Math.Ceiling((u + 1) * 320.0 / 106));
            double sum = 0;
            for (var y = 3 * v; y < 3 * v + 3; y++) for (var x = x0; x < x1; x++) sum += d.Values[y * 320 + x];
            Assert.Equal(sum / (3 * (x1 - x0)), small[v * 106 + u], 1e-9);
        }
    }
}
