using DepthNode.Cdr;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Synthetic;

namespace DepthNode.Inference.Tests.Pipeline;

/// <summary>The real FastDepth network on the CPU provider, and serialized frames of the rendered street.</summary>
internal static class PipelineFixture
{
    public static OnnxDepthModel OpenFastDepth() =>
        new(ModelCard.LoadFor(CheckoutModels.DefaultModelPath), OnnxModelOptions.CpuOnly(threads: 1));

    public static DepthPipeline Pipeline(IDepthModel model, DepthNodeOptions? options = null, List<string>? log = null) =>
        new(options ?? new DepthNodeOptions { MetricSource = Depth.MetricSource.GroundPlane }, model,
            new NodeDiagnostics("depth_node", new StageTimings()), new ListSink(log ?? []));

    /// <summary>Frame <paramref name="frame"/> of the street as a serialized rgb8 Image, and its exact depth.</summary>
    public static (byte[] Payload, float[] Depth) StreetFrame(int frame, string encoding = "rgb8")
    {
        var rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
        var depth = new float[StreetScene.Width * StreetScene.Height];
        StreetScene.Render(frame, rgb, depth);
        var bpp = encoding == "rgb8" ? 3 : 1;
        using var w = new CdrWriter(rgb.Length + 256);
        var data = Image.WriteUpToData(w, StreetScene.HeaderAt(frame), StreetScene.Height, StreetScene.Width, encoding, (uint)(StreetScene.Width * bpp));
        if (bpp == 3) rgb.CopyTo(data);
        else for (var i = 0; i < data.Length; i++) data[i] = rgb[3 * i + 1];
        w.Flush();
        return (w.WrittenSpan.ToArray(), depth);
    }

    public static byte[] Serialize(Image image) => RosMessage.SerializeToArray(image);

    public sealed class ListSink(List<string> lines) : ILogSink
    {
        public void Write(LogLevel level, string message) { lock (lines) lines.Add($"[{level}] {message}"); }
    }
}
