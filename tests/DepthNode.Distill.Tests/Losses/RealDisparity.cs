using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Losses;

/// <summary>Real 16-bit depth PNGs from ../shared/data as disparity maps (1 / metres; 0 and invalid where no depth).</summary>
internal sealed record RealDisparity(double[] Values, bool[] Valid, int Height, int Width)
{
    public static RealDisparity Nyu(string frame = "00000") => Load(SharedData.Path("data", "nyu", $"sync_depth_{frame}.png"));

    public static RealDisparity Sun3d(int frame = 935) => Load(SharedData.Path("data", "sun3d_fragment1", $"frame-{frame:D6}.depth.png"));

    /// <summary>Millimetres → disparity in 1/m; 0 = no measurement.</summary>
    public static RealDisparity Load(string path, int stride = 1)
    {
        using var png = Cv2.ImRead(path, ImreadModes.Unchanged);
        Assert.Equal(MatType.CV_16UC1, png.Type());
        png.GetArray(out ushort[] mm);
        var (h, w) = ((png.Rows + stride - 1) / stride, (png.Cols + stride - 1) / stride);
        var values = new double[h * w];
        var valid = new bool[h * w];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var v = mm[y * stride * png.Cols + x * stride];
            valid[y * w + x] = v > 0;
            values[y * w + x] = v > 0 ? 1000.0 / v : 0;
        }
        return new RealDisparity(values, valid, h, w);
    }

    /// <summary>A real-looking student: an affine copy of this map plus another real frame's disparity as "error".</summary>
    public double[] PerturbedBy(RealDisparity other, double scale, double shift, double otherWeight)
    {
        Assert.Equal(Values.Length, other.Values.Length);
        var s = new double[Values.Length];
        for (var i = 0; i < s.Length; i++) s[i] = scale * Values[i] + shift + otherWeight * other.Values[i];
        return s;
    }
}
