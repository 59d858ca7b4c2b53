using System.Globalization;
using System.Text.Json;
using DepthNode.Depth;
using DepthNode.Inference;

namespace DepthNode.Evaluation;

/// <summary>One scored frame: its errors and the mapping applied to the network output (the metric fit, or the
/// ground-truth alignment, in disparity space for scale_shift; NaN for a dropped frame).</summary>
public sealed record EvalFrameScore(string Name, DepthErrors Errors, string Fit, double Scale, double Shift);

/// <summary>A frame with no valid ground-truth pixel, listed instead of scored.</summary>
public sealed record EvalSkippedFrame(string Name, string Reason);

/// <summary>
/// One network scored on one dataset with one alignment, as <see cref="DepthEvaluator"/> produced it. The JSON shape
/// (<see cref="WriteJson"/>) is `depthnode eval --json`'s: model, dataset, alignment, frames, not_scored, mean.
/// </summary>
public sealed record EvalReport(string Model, DepthOutputKind Kind, string Dataset, string Folder, string Alignment, string Provider,
    IReadOnlyList<EvalFrameScore> Frames, IReadOnlyList<EvalSkippedFrame> NotScored)
{
    /// <summary>The mean over scored frames, each frame weighing the same.</summary>
    public (double AbsRel, double Delta1, double Rmse) Mean { get; } =
        (Frames.Average(f => f.Errors.AbsRel), Frames.Average(f => f.Errors.Delta1), Frames.Average(f => f.Errors.Rmse));

    /// <summary>The per-frame table and the mean, as `depthnode eval` prints it.</summary>
    public void WriteTable(TextWriter w)
    {
        w.WriteLine($"model {Model} ({Kind}) on {Dataset} {Folder}, alignment {Alignment}, {Provider}");
        w.WriteLine($"{"frame",-16} {"abs_rel",8} {"delta1",8} {"rmse",8} {"valid",8}  fit");
        foreach (var f in Frames)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-16} {f.Errors.AbsRel,8:F4} {f.Errors.Delta1,8:F4} {f.Errors.Rmse,8:F4} {f.Errors.ValidPixels,8}  {f.Fit}"));
        foreach (var s in NotScored) w.WriteLine($"{s.Name,-16} not scored: {s.Reason}");
        var label = NotScored.Count == 0 ? "mean (frames)" : $"mean ({Frames.Count} of {Frames.Count + NotScored.Count})";
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-16} {Mean.AbsRel,8:F4} {Mean.Delta1,8:F4} {Mean.Rmse,8:F4}"));
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("model", Model);
        w.WriteString("dataset", Dataset);
        w.WriteString("alignment", Alignment);
        w.WriteStartArray("frames");
        foreach (var f in Frames)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            Number(w, "abs_rel", f.Errors.AbsRel);
            Number(w, "delta1", f.Errors.Delta1);
            Number(w, "rmse", f.Errors.Rmse);
            w.WriteNumber("valid_pixels", f.Errors.ValidPixels);
            Number(w, "scale", f.Scale);
            Number(w, "shift", f.Shift);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("not_scored");
        foreach (var s in NotScored)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("reason", s.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("mean");
        Number(w, "abs_rel", Mean.AbsRel);
        Number(w, "delta1", Mean.Delta1);
        Number(w, "rmse", Mean.Rmse);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    // JSON has no NaN; frames without a valid pixel are listed under not_scored, so this is a last resort.
    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }
}
