using System.Globalization;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training.Config;
using DepthNode.Evaluation;
using DepthNode.Inference;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>One ground-truth folder's score at one validation.</summary>
public sealed record GroundTruthScore(string Dataset, string Align, int Frames, double AbsRel, double Delta1, double Rmse);

/// <summary>
/// Validation against ground truth (<c>validation.ground_truth</c>): the student as it is now, behind
/// <see cref="TorchDepthModel"/>, scored on each folder by <see cref="DepthEvaluator"/>, the code of `depthnode eval`
/// and `depth-distill eval`, so a row of ground_truth.csv is what `eval` would print for the student exported at that
/// step. The student's output is read by its card's output kind (metres for FastDepth).
/// </summary>
public sealed class GroundTruthValidation(IReadOnlyList<GroundTruthSpec> specs)
{
    private readonly List<(EvalDataset Data, EvalScoring Scoring)> _sets =
        specs.Select(s => (EvalDataset.Detect(s.Path, "validation.ground_truth path").EveryNth(s.Stride), new EvalScoring(s.Align))).ToList();

    public IReadOnlyList<GroundTruthScore> Score(nn.Module<Tensor, Tensor> student, ModelCard card, TextWriter log)
    {
        // Not owned: the run keeps training the module; TorchDepthModel puts it back in training mode if it was.
        using var model = new TorchDepthModel(student, card);
        return _sets.Select(set =>
        {
            var r = DepthEvaluator.Evaluate(model, set.Data, set.Scoring, log);
            return new GroundTruthScore(Path.GetFileName(set.Data.Folder), r.Alignment, r.Frames.Count, r.Mean.AbsRel, r.Mean.Delta1, r.Mean.Rmse);
        }).ToList();
    }

    /// <summary>ground_truth.csv: step, dataset, align, frames, abs_rel, delta1, rmse (rows after a resumed step are
    /// dropped with <see cref="HeldOutValidation.TruncateAfter"/>).</summary>
    public static void Append(string path, long step, IEnumerable<GroundTruthScore> scores)
    {
        if (!File.Exists(path)) File.WriteAllText(path, "step,dataset,align,frames,abs_rel,delta1,rmse\n");
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        File.AppendAllLines(path, scores.Select(s => FormattableString.Invariant($"{step},{s.Dataset},{s.Align},{s.Frames},{R(s.AbsRel)},{R(s.Delta1)},{R(s.Rmse)}")));
    }
}
