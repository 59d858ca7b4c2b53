using DepthNode.Distill.Export;
using DepthNode.Distill.Networks;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Distill.Tests.Networks;

/// <summary>The batched <see cref="IDepthNetwork"/> on both runtimes, on the same real NYU batch.</summary>
public sealed class DepthNetworkInterfaceTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("depth-network-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Export(FastDepthNet net, string file, bool nhwc, OnnxDim batch)
    {
        var g = new OnnxGraphBuilder("fastdepth");
        var x = nhwc ? g.Transpose(g.Input("pixel_values", batch, 224, 224, 3), 0, 3, 1, 2) : g.Input("pixel_values", batch, 3, 224, 224);
        g.Output(net.EmitOnnx(g, x), "predicted_depth", batch, 1, 224, 224);
        var path = Path.Combine(_dir.FullName, file);
        g.Save(path);
        return path;
    }

    private static ModelCard CardFor(string path, TensorLayout layout)
    {
        var c = FastDepthTests.OriginalCard;
        return c with
        {
            File = path, Sha256 = null,
            Input = c.Input with { Name = "pixel_values", Layout = layout },
            Output = c.Output with { Name = "predicted_depth" },
        };
    }

    [Fact]
    public void Predict_DynamicBatchExportAndTorchSharp_AgreeOnTheWholeBatch()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var path = Export(net, "batched.onnx", nhwc: false, "batch");
        var input = FastDepthTests.NyuBatch(FastDepthTests.OriginalCard);
        using var onnx = new OnnxDepthNetwork(CardFor(path, TensorLayout.Nchw));
        using var torchNet = new TorchDepthNetwork(net, onnx.Card);

        var a = onnx.Predict(input);
        var b = torchNet.Predict(input);

        Assert.Equal(new long[] { 3, 1, 224, 224 }, a.Shape);
        Assert.True(FastDepthTests.MaxAbsDiff(a, b) < 1e-4f);
    }

    [Fact]
    public void Predict_NhwcCard_TransposesTheNchwBatchForTheNetwork()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var path = Export(net, "nhwc.onnx", nhwc: true, 1);
        var input = FastDepthTests.NyuBatch(FastDepthTests.OriginalCard);
        using var nhwc = new OnnxDepthNetwork(CardFor(path, TensorLayout.Nhwc));
        using var original = new OnnxDepthNetwork(FastDepthTests.OriginalCard);

        Assert.True(FastDepthTests.MaxAbsDiff(nhwc.Predict(input), original.Predict(input)) < 1e-5f);
    }

    [Fact]
    public void Predict_StudentInTrainingMode_ScoresWithRunningStatisticsAndStaysInTraining()
    {
        // Batch norm in training mode would normalise by the batch's own statistics: the score must use eval mode
        // (equal to the ONNX Runtime original) and hand the student back in training mode.
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        net.train();
        var input = FastDepthTests.NyuBatch(FastDepthTests.OriginalCard);
        using var original = new OnnxDepthNetwork(FastDepthTests.OriginalCard);
        using var student = new TorchDepthNetwork(net, FastDepthTests.OriginalCard);

        Assert.True(FastDepthTests.MaxAbsDiff(student.Predict(input), original.Predict(input)) < 1e-4f);
        Assert.True(net.training);
    }
}
