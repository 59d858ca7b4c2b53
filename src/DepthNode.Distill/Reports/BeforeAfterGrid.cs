using DepthNode.Distill.Frames;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using OpenCvSharp;

namespace DepthNode.Distill.Reports;

/// <summary>One row of the grid: the frame, its PNG (input | before | after) and the colour range of each depth panel.</summary>
public sealed record BeforeAfterRow(string Frame, string Png, (float Min, float Max) BeforeRange, (float Min, float Max) AfterRange, bool SharedRange);

/// <summary>
/// Before/after depth of held-out frames: each frame through the node's pre-processing and ONNX Runtime with the
/// model before training and with the trained student, both colourised with the node's Turbo
/// <see cref="DepthColorizer"/>, side by side with the input in one PNG per frame. Panels are the first model's
/// output size (the input resized to it, the second output resized to it if it differs). When both networks return
/// the same kind of output, a row shares one colour range (the colouriser's percentile range over both maps), so a
/// colour means the same depth in both panels.
/// </summary>
public sealed class BeforeAfterGrid : IDisposable
{
    private readonly OnnxDepthModel _before;
    private readonly OnnxDepthModel _after;
    private readonly DepthColorizer _colorizer = new();

    public BeforeAfterGrid(string beforeModel, string afterModel)
    {
        _before = Open(beforeModel);
        try { _after = Open(afterModel); }
        catch
        {
            _before.Dispose();
            throw;
        }
    }

    public ModelCard Before => _before.Card;
    public ModelCard After => _after.Card;

    private static OnnxDepthModel Open(string model) =>
        new(ModelCard.LoadFor(model), OnnxModelOptions.CpuOnly() with { WarmupRuns = 0 });

    /// <summary><paramref name="count"/> frames spread evenly over <paramref name="frames"/>, one PNG each in <paramref name="folder"/>.</summary>
    public IReadOnlyList<BeforeAfterRow> Write(FrameSet frames, int count, string folder)
    {
        // Rows of an earlier report of the run (perhaps more of them) would be left linked to nothing.
        if (Directory.Exists(folder))
            foreach (var stale in Directory.EnumerateFiles(folder, "row-*.png")) File.Delete(stale);
        Directory.CreateDirectory(folder);
        var rows = new List<BeforeAfterRow>();
        foreach (var index in Spread(frames.Count, count))
        {
            var png = Path.Combine(folder, $"row-{rows.Count}.png");
            rows.Add(WriteRow(frames.Load(index), frames.Keys[index], png));
        }
        return rows;
    }

    /// <summary>Indices 0..total−1 spread evenly, first and last included.</summary>
    public static IReadOnlyList<int> Spread(int total, int count)
    {
        var n = Math.Min(count, total);
        return n <= 0 ? [] : n == 1 ? [0] : Enumerable.Range(0, n).Select(i => (int)Math.Round(i * (total - 1) / (double)(n - 1))).ToList();
    }

    private BeforeAfterRow WriteRow(RgbFrame frame, string key, string png)
    {
        using var before = Predict(_before, frame);
        using var predicted = Predict(_after, frame);
        using var after = predicted.Size() == before.Size() ? predicted.Clone() : predicted.Resize(before.Size(), 0, 0, InterpolationFlags.Linear);
        var shared = _before.Card.Output.Kind == _after.Card.Output.Kind;
        (float, float) beforeRange, afterRange;
        using var beforeBgr = new Mat();
        using var afterBgr = new Mat();
        if (shared)
        {
            // Both maps in one image: the colouriser's range over the pair is the row's shared range.
            using var pair = new Mat();
            Cv2.VConcat([before, after], pair);
            using var colours = Colorize(pair, out beforeRange);
            afterRange = beforeRange;
            colours[new Rect(0, 0, before.Cols, before.Rows)].CopyTo(beforeBgr);
            colours[new Rect(0, before.Rows, before.Cols, before.Rows)].CopyTo(afterBgr);
        }
        else
        {
            using (var b = Colorize(before, out beforeRange)) b.CopyTo(beforeBgr);
            using (var a = Colorize(after, out afterRange)) a.CopyTo(afterBgr);
        }
        using var rgb = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Rgb);
        using var inputRgb = rgb.Resize(before.Size(), 0, 0, InterpolationFlags.Area);
        using var input = inputRgb.CvtColor(ColorConversionCodes.RGB2BGR);
        using var row = new Mat();
        Cv2.HConcat([input, beforeBgr, afterBgr], row);
        if (!Cv2.ImWrite(png, row)) throw new IOException($"{png}: OpenCV could not write the PNG");
        return new BeforeAfterRow(key, png, beforeRange, afterRange, shared);
    }

    /// <summary>The network's output for the whole frame as a float Mat, disparity turned into depth (1/d) for the colouriser.</summary>
    private static Mat Predict(OnnxDepthModel model, RgbFrame frame)
    {
        var size = model.InputSizeFor(frame.Width, frame.Height);
        new ImagePreprocessor(model.Card.Input).Run(ImageView.Create("rgb8", frame.Width, frame.Height, frame.Width * 3, false, frame.Rgb),
            model.GetInputBuffer(size), size);
        var output = model.Run();
        var values = output.Values.ToArray();
        if (model.Card.Output.Kind == DepthOutputKind.RelativeDisparity)
            for (var i = 0; i < values.Length; i++) values[i] = values[i] > 0 ? 1 / values[i] : float.NaN;
        return Mat.FromPixelData(output.Height, output.Width, MatType.CV_32FC1, values).Clone();
    }

    private Mat Colorize(Mat depth, out (float, float) range)
    {
        var values = new float[depth.Rows * depth.Cols];
        depth.GetArray(out float[] copied);
        copied.CopyTo(values, 0);
        var rgb = new byte[values.Length * 3];
        range = _colorizer.Colorize(values, depth.Cols, depth.Rows, depth.Cols, rgb, depth.Cols * 3);
        using var wrapped = Mat.FromPixelData(depth.Rows, depth.Cols, MatType.CV_8UC3, rgb);
        return wrapped.CvtColor(ColorConversionCodes.RGB2BGR);
    }

    public void Dispose()
    {
        _before.Dispose();
        _after.Dispose();
    }
}
