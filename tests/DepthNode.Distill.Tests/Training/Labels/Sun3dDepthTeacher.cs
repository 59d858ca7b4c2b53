using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Training.Labels;

/// <summary>
/// A real label source: SUN3D frames keyed by their colour PNG, "teacher" = the frame's sensor disparity (1 / m) cut
/// to the crop and patches and area-resized by OpenCV to <paramref name="outputSide"/>² (a teacher's output size).
/// </summary>
internal sealed class Sun3dDepthTeacher(int frames, int outputSide = 32) : ILabelSource
{
    private readonly string[] _color = Enumerable.Range(935, frames)
        .Select(i => SharedData.Path("data", "sun3d_fragment1", $"frame-{i:D6}.color.png")).ToArray();

    public IReadOnlyList<string> FrameKeys => field ??= _color.Select(DepthNode.Distill.Training.Labels.FrameKeys.ForFile).ToArray();

    public (int Width, int Height) FrameSize(int frameIndex) => (640, 480);

    public IReadOnlyList<LabelMap> Label(int frameIndex, CrossContextSample sample)
    {
        using var mm = Cv2.ImRead(_color[frameIndex].Replace(".color.png", ".depth.png"), ImreadModes.Unchanged);
        using var metres = new Mat();
        mm.ConvertTo(metres, MatType.CV_32FC1, 1 / 1000.0);
        using var disparity = new Mat();
        Cv2.Divide(1.0, metres, disparity); // 0 mm → 0 (OpenCV's division by zero)
        var maps = new List<LabelMap> { Cut(disparity, sample.Crop) };
        for (var n = 0; n < sample.Patches.Count; n++) maps.Add(Cut(disparity, sample.PatchInFrame(n)));
        return maps;
    }

    private LabelMap Cut(Mat disparity, SquareBox box)
    {
        using var roi = new Mat(disparity, new Rect(box.X, box.Y, box.Side, box.Side));
        using var small = roi.Resize(new OpenCvSharp.Size(outputSide, outputSide), 0, 0, InterpolationFlags.Area);
        small.GetArray(out float[] values);
        return new LabelMap(outputSide, outputSide, values);
    }
}
