using System.Runtime.InteropServices;
using DepthNode.Camera;
using DepthNode.Cdr;
using DepthNode.Depth;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Inference.Tests.Pipeline;

/// <summary>sparse_depth on a real KITTI frame: one LiDAR point in twenty as the input, scored on the others.</summary>
public class SparseDepthPipelineTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void KittiFrame_SparseLidar_MakesDepthMetricOnHeldBackPoints(double outputScale)
    {
        var dir = SharedData.Path("data", "kitti", "raw_depth_gt");
        using var bgr = Cv2.ImRead(Path.Combine(dir, "rgb", "0000000050.png"), ImreadModes.Color);
        using var gt = Cv2.ImRead(Path.Combine(dir, "depth", "0000000050.png"), ImreadModes.Unchanged);
        int w = bgr.Width, h = bgr.Height;
        var pixels = new byte[w * h * 3];
        Marshal.Copy(bgr.Data, pixels, 0, pixels.Length);
        var truth = new ushort[w * h];
        for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) truth[y * w + x] = gt.At<ushort>(y, x);

        var sparse = new float[w * h];
        Array.Fill(sparse, float.NaN);
        var held = new List<int>();
        var k = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            if (truth[i] == 0) continue;
            if (k++ % 20 == 0) sparse[i] = truth[i] / 256f; // KITTI: metres = value / 256
            else held.Add(i);
        }

        using var writer = new CdrWriter(pixels.Length + 256);
        pixels.CopyTo(Image.WriteUpToData(writer, new Header(default, "image_02"), (uint)h, (uint)w, "bgr8", (uint)(w * 3)));
        writer.Flush();
        var info = CameraInfoYaml.Load(Path.Combine(dir, "camera_info.yaml"), "image_02");
        using var model = PipelineFixture.OpenFastDepth();
        using var pipeline = PipelineFixture.Pipeline(model, new DepthNodeOptions { MetricSource = MetricSource.SparseDepth, OutputScale = outputScale });
        Assert.True(pipeline.ProcessImage(writer.WrittenSpan, info, sparse), pipeline.Diagnostics.LastError(FrameDropReason.MetricFitFailed));
        Assert.Equal(MetricSource.SparseDepth, pipeline.LastFit.Source);

        var depth = RosMessage.Deserialize<Image>(pipeline.Outputs.Depth.WrittenMemory.ToArray());
        var metres = MemoryMarshal.Cast<byte, float>(depth.Data.Span).ToArray();
        int ow = (int)depth.Width, oh = (int)depth.Height;
        var errors = held
            .Select(i => (Truth: truth[i] / 256.0, Predicted: (double)metres[Math.Min(oh - 1, (i / w) * oh / h) * ow + Math.Min(ow - 1, (i % w) * ow / w)]))
            .Where(p => double.IsFinite(p.Predicted) && p.Truth <= 80)
            .Select(p => Math.Abs(p.Predicted - p.Truth) / p.Truth).ToList();
        Assert.True(errors.Count > held.Count / 2);
        // An indoor network on a street: what is checked is that the fit makes it metric (scale near the truth), not
        // its accuracy. The network's own metres are off by a factor of about 3-7 here (README, KITTI table).
        Assert.InRange(errors.Average(), 0.05, 0.6);
    }
}
