using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Cli.Previews;

/// <summary>
/// PNG previews of a run: the input frame above its colourised depth, for a few evenly spaced frames, so a person can
/// look at what the node produced without rviz. Run-once code (a handful of frames), so plain OpenCV calls.
/// </summary>
public sealed class PreviewWriter(string folder, IReadOnlySet<long> frames)
{
    public List<string> Written { get; } = [];

    /// <summary>Frame indices 0..total-1 spread evenly, <paramref name="count"/> of them.</summary>
    public static IReadOnlySet<long> Spread(long total, int count) =>
        count <= 0 || total <= 0 ? new HashSet<long>()
            : Enumerable.Range(0, (int)Math.Min(count, total)).Select(i => count == 1 ? 0 : (long)Math.Round(i * (total - 1) / (double)(Math.Min(count, total) - 1))).ToHashSet();

    public void Offer(long index, ReadOnlySpan<byte> inputPayload, bool compressed, ReadOnlySpan<byte> colorizedPayload)
    {
        if (!frames.Contains(index) || colorizedPayload.IsEmpty) return;
        using var depth = ToBgr(ImageMessageView.Parse(colorizedPayload));
        using var input = compressed ? DecodeCompressed(inputPayload) : ToBgr(ImageMessageView.Parse(inputPayload));
        using var panel = new Mat();
        if (input is { } i && !i.Empty() && i.Width == depth.Width)
            Cv2.VConcat([i, depth], panel);
        else
            depth.CopyTo(panel);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"frame_{index:D4}.png");
        Cv2.ImWrite(path, panel);
        Written.Add(path);
    }

    private static Mat DecodeCompressed(ReadOnlySpan<byte> payload) =>
        Cv2.ImDecode(CompressedImageMessageView.Parse(payload).Data, ImreadModes.Color);

    /// <summary>rgb8, bgr8 and mono8 images as a BGR Mat (other encodings: an empty Mat, and only the depth is shown).</summary>
    private static Mat ToBgr(ImageMessageView m)
    {
        var encoding = System.Text.Encoding.ASCII.GetString(m.EncodingUtf8);
        var type = encoding switch { "rgb8" or "bgr8" => MatType.CV_8UC3, "mono8" => MatType.CV_8UC1, _ => (MatType?)null };
        if (type is null) return new Mat();
        using var wrapped = Mat.FromPixelData((int)m.Height, (int)m.Width, type.Value, m.Data.ToArray(), (long)m.Step);
        var bgr = new Mat();
        switch (encoding)
        {
            case "rgb8": Cv2.CvtColor(wrapped, bgr, ColorConversionCodes.RGB2BGR); break;
            case "mono8": Cv2.CvtColor(wrapped, bgr, ColorConversionCodes.GRAY2BGR); break;
            default: wrapped.CopyTo(bgr); break;
        }
        return bgr;
    }
}
