using DepthNode.Distill.Networks.DepthAnything;
using DepthNode.Distill.Tests.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Networks.DepthAnything;

public class DepthAnythingNetworkTests
{
    [Theory]
    // Small is the published count; base and large are summed by hand from the architecture (see OfficialKeyNames):
    // encoder 3·14²·C+C + cls C + pos 1370·C + mask C + depth·(12C²+13C) + 2C, plus the DPT head.
    [InlineData("dad-small", 24_785_089L)]
    [InlineData("dad-base", 97_470_785L)]
    [InlineData("dad-large", 335_315_649L)]
    public void Parameters_OfEachSize_CountExactlyThePublishedArchitecture(string name, long expected)
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Named(name));

        Assert.Equal(expected, network.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData("dad-small")]
    [InlineData("dad-base")]
    public void StateDict_OfSmallAndBase_HasExactlyTheOfficialKeysAndShapes(string name)
    {
        var size = DepthAnythingSize.Named(name);
        using var network = new DepthAnythingNetwork(size);

        var actual = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        var expected = OfficialKeyNames.DepthAnythingV2(size);
        Assert.Empty(expected.Keys.Except(actual.Keys));
        Assert.Empty(actual.Keys.Except(expected.Keys));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key]), key);
    }

    [Theory]
    // Small sizes: the full-size forward runs in ReferenceParityTests.
    [InlineData(140, 140)]
    [InlineData(42, 182)]
    [InlineData(14, 28)]
    public void ForwardWithFeatures_AnyMultipleOf14_ReturnsDepthAtInputSizeAndLastTapTokens(int h, int w)
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        network.eval();
        using var noGrad = no_grad();
        using var image = randn(2, 3, h, w);

        var (depth, tokens) = network.ForwardWithFeatures(image);

        using (depth)
        using (tokens)
        {
            Assert.Equal(new long[] { 2, 1, h, w }, depth.shape);
            Assert.Equal(new long[] { 2, (h / 14) * (w / 14), 384 }, tokens.shape);
            Assert.True(depth.min().item<float>() >= 0, "final ReLU");
        }
    }

    [Fact]
    public void Forward_SizeNotAMultipleOf14_FailsNamingTheSize()
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        using var image = zeros(1, 3, 518, 500);

        var e = Assert.Throws<ArgumentException>(() => network.forward(image));

        Assert.Equal("dad-small: input height and width must be multiples of 14, got 518×500", e.Message);
    }

    [Fact]
    public void PositionEmbedding_At37By37_IsTheStoredTableAndElsewhereKeepsTheClsEntry()
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        using var stored = network.state_dict()["pretrained.pos_embed"].detach().clone();

        using var same = network.Encoder.PositionEmbedding(37, 37);
        using var other = network.Encoder.PositionEmbedding(26, 86);

        Assert.True(same.equal(stored).all().item<bool>());
        Assert.Equal(new long[] { 1, 1 + 26 * 86, 384 }, other.shape);
        Assert.True(other[.., 0].equal(stored[.., 0]).all().item<bool>());
    }
}
