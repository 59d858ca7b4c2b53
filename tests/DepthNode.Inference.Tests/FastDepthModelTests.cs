using DepthNode.Installation;
using DepthNode.Models;
using Microsoft.ML.OnnxRuntime;

namespace DepthNode.Inference.Tests;

public class FastDepthModelTests
{
    [Fact]
    public void InstalledFastDepth_MatchesPublishedHash()
    {
        Assert.Contains("sha256 ok", ModelStore.VerifyDefaultModel(CheckoutModels.Directory));
    }

    [Fact]
    public void InstalledFastDepth_HasDocumentedInputAndOutput()
    {
        using var session = new InferenceSession(CheckoutModels.DefaultModelPath);
        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("0", input.Key);
        Assert.Equal(typeof(float), input.Value.ElementType);
        Assert.Equal([1, 3, 224, 224], input.Value.Dimensions);
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal("350", output.Key);
        Assert.Equal([1, 1, 224, 224], output.Value.Dimensions);
    }
}
