using DepthNode.Imaging;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Tests;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace DepthNode.Inference.Tests;

public class OnnxDepthNetworkTests
{
    private static readonly string[] Frames = ["rgb_00000.jpg", "rgb_00050.jpg", "rgb_00100.jpg"];

    private static NchwTensor NyuBatch(ModelCard card)
    {
        var batch = NchwTensor.Zeros(Frames.Length, 3, 224, 224);
        var pre = new ImagePreprocessor(card.Input);
        for (var i = 0; i < Frames.Length; i++)
        {
            using var bgr = Cv2.ImRead(SharedData.Path("data", "nyu", Frames[i]));
            pre.Run(OnnxDepthModelTests.ViewOf(bgr), batch.Image(i), new TensorSize(224, 224));
        }
        return batch;
    }

    [Fact]
    public void Predict_BatchOfThreeOnFixedBatchNetwork_EqualsPlainSessionImageByImage()
    {
        var card = OnnxDepthModelTests.FastDepthCard();
        var input = NyuBatch(card);
        using var network = new OnnxDepthNetwork(card);

        var output = network.Predict(input);

        Assert.Equal(new long[] { 3, 1, 224, 224 }, output.Shape);
        using var session = new InferenceSession(card.ModelPath);
        for (var i = 0; i < 3; i++)
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("0", new DenseTensor<float>(input.Image(i).ToArray(), [1, 3, 224, 224]))]);
            var reference = results[0].AsEnumerable<float>().ToArray();
            Assert.Equal(reference, output.Image(i).ToArray());
        }
        // Three different rooms: the images of the batch were not mixed up.
        Assert.NotEqual(output.Image(0).ToArray(), output.Image(1).ToArray());
    }

    [Fact]
    public void Constructor_CudaOnCpuBuild_FallsBackToCpuAndSaysWhy()
    {
        var log = new List<string>();

        using var network = new OnnxDepthNetwork(OnnxDepthModelTests.FastDepthCard(), cuda: true, log: log.Add);

        Assert.Equal("CPUExecutionProvider", network.Provider);
        Assert.Contains(log, l => l.Contains("CUDAExecutionProvider is not in this ONNX Runtime build") && l.Contains("running on the CPU"));
        Assert.Equal(224 * 224, network.Predict(NchwTensor.Zeros(1, 3, 224, 224)).Data.Length);
    }

    [Fact]
    public void Predict_TwoChannelInput_RefusedNamingTheShape()
    {
        using var network = new OnnxDepthNetwork(OnnxDepthModelTests.FastDepthCard());

        var e = Assert.Throws<ArgumentException>(() => network.Predict(NchwTensor.Zeros(1, 2, 224, 224)));

        Assert.Contains("[1,2,224,224]", e.Message);
    }

    [Fact]
    public void NchwTensor_DataThatDoesNotFillTheShape_Refused()
    {
        Assert.Contains("do not fill", Assert.Throws<ArgumentException>(() => new NchwTensor(new float[10], 1, 3, 2, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NchwTensor([], 0, 3, 2, 2));
    }
}
