using ScottPlot;

namespace DepthNode.Distill.Reports;

/// <summary>
/// The report's PNG charts, drawn with ScottPlot: each curve smoothed by a trailing <see cref="MovingAverage"/>, with
/// the raw values faint behind it where there are enough points for the difference to matter.
/// </summary>
public static class RunCharts
{
    public const int Width = 1000;
    public const int Height = 560;

    private static readonly Color[] Palette = new ScottPlot.Palettes.Category10().Colors;

    /// <summary>loss.png: the total loss and each active term (unweighted, as the metrics log them) against the step.</summary>
    public static void Loss(RunCurves run, string path)
    {
        var plot = NewPlot("Training loss (unweighted terms)", "step", "loss");
        var window = MovingAverage.DefaultWindow(run.Steps.Length);
        AddSmoothed(plot, run.Steps, run.Metrics.Numbers("loss"), window, "total", Palette[0], 2.5f);
        var i = 1;
        foreach (var term in run.ActiveLossTerms())
            AddSmoothed(plot, run.Steps, run.Metrics.Numbers(term), window, term, Palette[i++ % Palette.Length], 1.5f);
        if (window > 1) plot.Title($"Training loss (unweighted terms; moving average of {window} steps, raw faint)");
        Save(plot, path);
    }

    /// <summary>validation.png: the held-out SSI L1 against the primary teacher at each validation.</summary>
    public static void Validation(CsvTable validation, string path)
    {
        var teacher = validation.Texts("teacher").FirstOrDefault() ?? "teacher";
        var plot = NewPlot($"Held-out validation: SSI L1 of the student's disparity against {teacher}", "step", "SSI L1 (lower is better)");
        var line = plot.Add.Scatter(validation.Numbers("step"), validation.Numbers("ssi_l1"), Palette[0]);
        line.LineWidth = 2;
        line.MarkerSize = 7;
        line.LegendText = "SSI L1";
        Save(plot, path);
    }

    /// <summary>ground_truth.png: AbsRel (left axis, solid) and δ1 (right axis, dashed) per dataset and alignment.</summary>
    public static void GroundTruth(IReadOnlyList<GroundTruthSeries> series, string path)
    {
        var plot = NewPlot("Ground truth: AbsRel (solid, left) and δ1 (dashed, right)", "step", "AbsRel (lower is better)");
        plot.Axes.Right.Label.Text = "δ1 (higher is better)";
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var colour = Palette[i % Palette.Length];
            var absRel = plot.Add.Scatter(s.Steps, s.AbsRel, colour);
            (absRel.LineWidth, absRel.MarkerSize, absRel.LegendText) = (2, 6, $"{s.Dataset} {s.Align} AbsRel");
            var delta1 = plot.Add.Scatter(s.Steps, s.Delta1, colour);
            (delta1.LineWidth, delta1.MarkerSize, delta1.LegendText) = (2, 6, $"{s.Dataset} {s.Align} δ1");
            delta1.LinePattern = LinePattern.Dashed;
            delta1.Axes.YAxis = plot.Axes.Right;
        }
        Save(plot, path);
    }

    /// <summary>time.png: seconds per step split into data, teacher, forward, backward and the rest, stacked.</summary>
    public static void Time(RunCurves run, string path)
    {
        var window = MovingAverage.DefaultWindow(run.Steps.Length);
        var plot = NewPlot(window > 1 ? $"Where a step's time goes (stacked; moving average of {window} steps)" : "Where a step's time goes (stacked)",
            "step", "seconds per step");
        var below = new double[run.Steps.Length];
        var stepSeconds = MovingAverage.Trailing(run.Metrics.Numbers("step_s"), window);
        var parts = RunCurves.TimeParts.Select(c => (Name: TimeSplit.PartNames[c], Values: MovingAverage.Trailing(run.Metrics.Numbers(c), window))).ToList();
        parts.Add((TimeSplit.OtherPart, stepSeconds.Select((s, i) => Math.Max(0, s - parts.Sum(p => p.Values[i]))).ToArray()));
        for (var p = 0; p < parts.Count; p++)
        {
            var above = below.Zip(parts[p].Values, (a, b) => a + b).ToArray();
            if (run.Steps.Length == 1)
            {
                // One step: a stacked bar, since a band needs two points.
                var bar = plot.Add.Bar(new Bar { Position = run.Steps[0], ValueBase = below[0], Value = above[0], FillColor = Palette[p] });
                bar.LegendText = parts[p].Name;
            }
            else
            {
                var band = plot.Add.FillY(run.Steps, below, above);
                band.FillColor = Palette[p].WithAlpha(0.75);
                band.LineWidth = 0;
                band.LegendText = parts[p].Name;
            }
            below = above;
        }
        Save(plot, path);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void AddSmoothed(Plot plot, double[] steps, double[] values, int window, string name, Color colour, float width)
    {
        if (window > 1)
        {
            var raw = plot.Add.ScatterLine(steps, values, colour.WithAlpha(0.25));
            raw.LineWidth = 1;
        }
        var smooth = plot.Add.Scatter(steps, MovingAverage.Trailing(values, window), colour);
        smooth.LineWidth = width;
        smooth.MarkerSize = steps.Length <= 30 ? 5 : 0;
        smooth.LegendText = name;
    }

    private static void Save(Plot plot, string path)
    {
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }
}
