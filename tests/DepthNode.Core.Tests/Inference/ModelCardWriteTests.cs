using DepthNode.Inference;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Inference;

public class ModelCardWriteTests
{
    private static ModelCard RoundTrip(ModelCard card, IEnumerable<string>? comment = null)
    {
        var text = new StringWriter();
        card.Write(text, comment);
        return ModelCard.Parse(new StringReader(text.ToString()), "round-trip");
    }

    private static void AssertSameContract(ModelCard expected, ModelCard actual)
    {
        Assert.Equal((expected.Name, expected.File, expected.Sha256), (actual.Name, actual.File, actual.Sha256));
        Assert.Equal((expected.Input.Name, expected.Input.Layout, expected.Input.ColorOrder, expected.Input.Scale, expected.Input.Resize),
            (actual.Input.Name, actual.Input.Layout, actual.Input.ColorOrder, actual.Input.Scale, actual.Input.Resize));
        Assert.Equal(expected.Input.Mean, actual.Input.Mean);
        Assert.Equal(expected.Input.Std, actual.Input.Std);
        Assert.Equal(expected.Input.Size, actual.Input.Size);
        Assert.Equal(expected.Output, actual.Output);
    }

    [Theory]
    [InlineData("fastdepth_7.yaml")]
    [InlineData("distill_any_depth_small.yaml")]
    [InlineData("distill_any_depth_base.yaml")]
    [InlineData("distill_any_depth_large.yaml")]
    public void Write_ShippedCard_ReadsBackToTheSameContract(string file)
    {
        var card = ModelCard.Load(Path.Combine(SharedData.RepoRoot(), "config", "models", file));

        AssertSameContract(card, RoundTrip(card));
    }

    [Fact]
    public void Write_EveryNonDefaultField_ReadsBackExactly()
    {
        // Values that need care: a name that YAML would read as a number, quotes, a float with no short decimal
        // form, NHWC/BGR, linear resize, a keep-aspect policy with both side limits, relative depth.
        var card = new ModelCard("student \"v2\"", "my student.onnx", new string('a', 64),
            new ModelInputSpec("0", TensorLayout.Nhwc, ColorOrder.Bgr, 1 / 255f, [0.1f, 1 / 3f, 0.7f], [0.2f, 0.3f, 2 / 7f],
                new SizePolicy(true, 532, 518, 14, SizeBound.Minimal, 28, 1918), ResizeFilter.Linear),
            new ModelOutputSpec("350", DepthOutputKind.RelativeDepth, 0, float.PositiveInfinity));

        var back = RoundTrip(card, ["exported by a test", "second line"]);

        AssertSameContract(card, back);
    }

    [Fact]
    public void Write_MetricRange_IsKeptAndCommentLinesAreIgnoredByTheReader()
    {
        var card = ModelCard.Load(Path.Combine(SharedData.RepoRoot(), "config", "models", "fastdepth_7.yaml")) with { Sha256 = null };
        var text = new StringWriter();
        card.Write(text, ["seed: 1234"]);

        Assert.StartsWith("# seed: 1234", text.ToString());
        var back = ModelCard.Parse(new StringReader(text.ToString()), "x");
        Assert.Equal((0.1f, 10f), (back.Output.MinValidDepth, back.Output.MaxValidDepth));
        Assert.Null(back.Sha256);
    }
}
