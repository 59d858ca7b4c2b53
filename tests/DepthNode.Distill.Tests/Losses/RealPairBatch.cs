using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

/// <summary>
/// A batch of two real pairs at full 640×480 resolution: teachers are the disparity of NYU frame 0 and SUN3D frame
/// 935; students are affine copies of them plus the disparity of another real frame (so they disagree in structure).
/// Valid = the teacher has depth.
/// </summary>
internal sealed class RealPairBatch
{
    public double[][] Student { get; }
    public double[][] Teacher { get; }
    public bool[][] Mask { get; }
    public int Height { get; }
    public int Width { get; }

    public RealPairBatch(int stride = 1)
    {
        var nyu = RealDisparity.Load(DepthNode.Tests.SharedData.Path("data", "nyu", "sync_depth_00000.png"), stride);
        var nyuOther = RealDisparity.Load(DepthNode.Tests.SharedData.Path("data", "nyu", "sync_depth_00050.png"), stride);
        var sun = RealDisparity.Load(DepthNode.Tests.SharedData.Path("data", "sun3d_fragment1", "frame-000935.depth.png"), stride);
        var sunOther = RealDisparity.Load(DepthNode.Tests.SharedData.Path("data", "sun3d_fragment1", "frame-000970.depth.png"), stride);
        (Height, Width) = (nyu.Height, nyu.Width);
        Teacher = [nyu.Values, sun.Values];
        Mask = [nyu.Valid, sun.Valid];
        Student = [nyu.PerturbedBy(nyuOther, 2.7, 0.4, 0.8), sun.PerturbedBy(sunOther, 0.35, 1.5, 0.2)];
    }

    public Tensor StudentTensor(ScalarType type = ScalarType.Float64) => Stack(Student, type);

    public Tensor TeacherTensor(ScalarType type = ScalarType.Float64) => Stack(Teacher, type);

    public Tensor MaskTensor() => torch.tensor(Mask.SelectMany(m => m).ToArray(), [Mask.Length, 1, Height, Width]);

    private Tensor Stack(double[][] maps, ScalarType type) =>
        torch.tensor(maps.SelectMany(m => m).ToArray(), [maps.Length, 1, Height, Width]).to(type);

    /// <summary>The maps rounded to float, as the reference must see them when the code runs in float32.</summary>
    public static double[][] AsFloat(double[][] maps) => maps.Select(m => m.Select(v => (double)(float)v).ToArray()).ToArray();
}
