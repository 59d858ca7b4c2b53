using System.Collections.Concurrent;
using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Networks.DepthAnything;

namespace DepthNode.Distill.Tests.Checkpoints;

public class DepthAnythingKeyLayoutTests
{
    // The large network takes seconds and 1.3 GB to build; its shapes are taken once and the network freed.
    private static readonly ConcurrentDictionary<string, Dictionary<string, long[]>> NetworkShapes = new();

    public static TheoryData<string, string> PublishedFiles => new()
    {
        { "dad-small", "official" }, { "dad-base", "official" }, { "dad-large", "official" },
        { "dad-large", "dad-large" },
        { "dad-small", "transformers" }, { "dad-base", "transformers" }, { "dad-large", "transformers" },
    };

    [Theory]
    [MemberData(nameof(PublishedFiles))]
    public void Check_CompleteOfficialKeyList_DetectsItsLayoutAndMatchesEveryParameter(string sizeName, string family)
    {
        var size = DepthAnythingSize.Named(sizeName);
        var file = FileKeys(size, family);

        var layout = DepthAnythingKeyLayout.Detect(file.Keys);
        var fit = CheckpointFit.Check(Shapes(size), file, layout!);

        Assert.Same(Expected(family), layout);
        Assert.True(fit.Fits, fit.Summary());
        Assert.Equal(Shapes(size).Count, fit.Matched);
    }

    [Fact]
    public void Check_SmallCheckpointIntoBase_RefusesInOneLineNamingTheCheckpointsSize()
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Base);
        var file = OfficialKeyNames.DepthAnythingV2(DepthAnythingSize.Small);

        var e = Assert.Throws<CheckpointException>(() => DepthAnythingCheckpoint.Check(network, file, "small/model.safetensors"));

        Assert.DoesNotContain('\n', e.Message);
        // Only the three output-convolution tensors that do not depend on the width have the same shape.
        Assert.StartsWith("checkpoint small/model.safetensors does not fit dad-base (official (pretrained.*, depth_head.*)); " +
            "it looks like a dad-small checkpoint: 3 matched, 236 mis-shaped (", e.Message);
        Assert.Matches(@"mis-shaped \([a-z_.0-9]+: file \[[0-9,]*384[0-9,]*\], network \[[0-9,]*768[0-9,]*\]", e.Message);
    }

    [Fact]
    public void Check_TransformersFileMissingOneKeyWithOneExtraAndOneWrongShape_ReportsEachByFileKey()
    {
        var size = DepthAnythingSize.Small;
        var file = OfficialKeyNames.Transformers(size);
        file.Remove("backbone.encoder.layer.3.attention.attention.key.bias");
        file["neck.reassemble_stage.layers.0.readout.weight"] = [1];
        file["head.conv3.weight"] = [1, 32, 3, 3];

        var fit = CheckpointFit.Check(Shapes(size), file, DepthAnythingKeyLayout.Transformers);

        Assert.False(fit.Fits);
        Assert.Equal(["backbone.encoder.layer.3.attention.attention.key.bias"], fit.Missing);
        Assert.Equal(["neck.reassemble_stage.layers.0.readout.weight"], fit.Unexpected);
        Assert.Equal("head.conv3.weight: file [1,32,3,3], network [1,32,1,1]", Assert.Single(fit.MisShaped).ToString());
    }

    [Fact]
    public void Detect_UnrelatedKeys_FindsNoLayoutAndTheLoaderRefusesInOneLine()
    {
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);
        var file = new Dictionary<string, long[]> { ["encoder.conv1.weight"] = [32, 3, 3, 3], ["decoder.conv.weight"] = [1, 32, 1, 1] };

        var e = Assert.Throws<CheckpointException>(() => DepthAnythingCheckpoint.Check(network, file, "x.pth"));

        Assert.Null(DepthAnythingKeyLayout.Detect(file.Keys));
        Assert.Equal("checkpoint x.pth: no known Depth Anything key layout (first keys: encoder.conv1.weight, decoder.conv.weight); " +
            "expected pretrained.*/depth_head.*, backbone.blocks.0.N.* or transformers backbone.embeddings.*", e.Message);
    }

    private static Dictionary<string, long[]> FileKeys(DepthAnythingSize size, string family) => family switch
    {
        "official" => OfficialKeyNames.DepthAnythingV2(size),
        "dad-large" => OfficialKeyNames.DistillAnyDepthLarge(size),
        _ => OfficialKeyNames.Transformers(size),
    };

    private static DepthAnythingKeyLayout Expected(string family) => family switch
    {
        "official" => DepthAnythingKeyLayout.Official,
        "dad-large" => DepthAnythingKeyLayout.DistillAnyDepthLarge,
        _ => DepthAnythingKeyLayout.Transformers,
    };

    private static Dictionary<string, long[]> Shapes(DepthAnythingSize size) => NetworkShapes.GetOrAdd(size.Name, _ =>
    {
        using var network = new DepthAnythingNetwork(size);
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
    });
}
