using System.Globalization;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Losses;
using DepthNode.Distill.Teachers;
using DepthNode.Distill.Training.Labels;
using DepthNode.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>
/// Validation against held-out teacher outputs: the central square (short side) of each held-out frame, predicted
/// once by the primary teacher at the start, and by the student (eval mode: running batch-norm statistics, as
/// exported) at each validation; the score is the globally normalised L1 (SSI, Eq. 1–2) of the two disparities,
/// averaged over the frames. 0 = the student reproduces the teacher up to scale and shift.
/// </summary>
public sealed class HeldOutValidation
{
    private readonly List<(float[] Input, long[] Shape, LabelMap Teacher)> _frames = [];

    public HeldOutValidation(FrameSet frames, Teacher teacher, ModelInputSpec studentInput)
    {
        TeacherName = teacher.Name;
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames.Load(i);
            var side = Math.Min(frame.Width, frame.Height);
            var box = new SquareBox((frame.Width - side) / 2, (frame.Height - side) / 2, side);
            var map = teacher.Label(frame, new CrossContextSample(box, []))[0];
            var input = frame.Batch([box], studentInput, studentInput.Size.Choose(side, side));
            _frames.Add((input.Data, input.Shape, map));
        }
    }

    public string TeacherName { get; }
    public int Count => _frames.Count;

    /// <summary>Mean SSI L1 of the student's disparity (<paramref name="disparity"/>) against the teacher's.</summary>
    public double Score(nn.Module student, Func<Tensor, (Tensor Depth, Tensor? Features)> disparity)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        student.eval();
        double sum = 0;
        foreach (var (input, shape, map) in _frames)
        {
            var s = disparity(TrainingDevice.On(torch.tensor(input, shape), student)).Depth;
            var t = RoiResampler.Resize(TrainingDevice.On(torch.tensor(map.Values, [1, 1, map.Height, map.Width]), s), (int)s.shape[2], (int)s.shape[3]);
            sum += DisparityLoss.Compute(s, t, t.isfinite(), DepthNormalization.Global).to(ScalarType.Float64).item<double>();
        }
        return sum / _frames.Count;
    }

    /// <summary>validation.csv: step, frames, teacher, ssi_l1 (rows after a resumed step dropped).</summary>
    public static void Append(string path, long step, int frames, string teacher, double score)
    {
        if (!File.Exists(path)) File.WriteAllText(path, "step,frames,teacher,ssi_l1\n");
        File.AppendAllText(path, FormattableString.Invariant($"{step},{frames},{teacher},{score.ToString("R", CultureInfo.InvariantCulture)}\n"));
    }

    public static void TruncateAfter(string path, long step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        File.WriteAllLines(path, lines.Take(1).Concat(lines.Skip(1).Where(l => long.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= step)));
    }
}
