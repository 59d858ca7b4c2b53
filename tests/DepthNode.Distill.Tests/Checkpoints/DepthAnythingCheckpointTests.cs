using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Networks.DepthAnything;
using DepthNode.Distill.Tests.Networks.DepthAnything;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Checkpoints;

/// <summary>
/// The loader on real files: written by our writer (TorchSharp.PyBridge), and by Python the way the published files
/// were written (safetensors with __metadata__ and a padded header in F32/F16/BF16; `torch.save` .pth), checked
/// parameter by parameter against the tensors that were written.
/// </summary>
public sealed class DepthAnythingCheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dad-ckpt-").FullName;

    [Theory]
    [InlineData("official")]
    [InlineData("dad-large")]
    [InlineData("transformers")]
    public void Load_FileSavedInEachLayout_RestoresEveryParameterBitExactly(string family)
    {
        var layout = family switch
        {
            "official" => DepthAnythingKeyLayout.Official,
            "dad-large" => DepthAnythingKeyLayout.DistillAnyDepthLarge,
            _ => DepthAnythingKeyLayout.Transformers,
        };
        using var original = SeededWeights.Small(seed: 3);
        var path = Path.Combine(dir, "model.safetensors");
        DepthAnythingCheckpoint.Save(original, path, layout);
        using var loaded = new DepthAnythingNetwork(DepthAnythingSize.Small);

        var fit = DepthAnythingCheckpoint.Load(loaded, path);

        Assert.Same(layout, fit.Layout);
        AssertSameParameters(original, loaded, exact: true);
    }

    [Fact]
    public void Save_TransformersLayout_WritesTheirKeyNamesWithQkvSplitInThreeInQueryKeyValueOrder()
    {
        using var network = SeededWeights.Small(seed: 4);
        var path = Path.Combine(dir, "hf.safetensors");

        DepthAnythingCheckpoint.Save(network, path, DepthAnythingKeyLayout.Transformers);

        var file = CheckpointFile.Read(path);
        try
        {
            var expected = OfficialKeyNames.Transformers(DepthAnythingSize.Small);
            Assert.Equal(expected.Keys.Order(), file.Keys.Order());
            var qkv = network.state_dict()["pretrained.blocks.7.attn.qkv.weight"];
            Assert.True(file["backbone.encoder.layer.7.attention.attention.key.weight"].equal(qkv[384..768]).all().item<bool>());
            Assert.True(file["backbone.encoder.layer.7.attention.attention.value.weight"].equal(qkv[768..]).all().item<bool>());
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    [Theory]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Load_SafetensorsWrittenByPython_LoadsEachDTypeIntoFloat32(string dtype)
    {
        using var original = SeededWeights.Small(seed: 5);
        var ours = Path.Combine(dir, "ours.safetensors");
        var python = Path.Combine(dir, $"python-{dtype}.safetensors");
        DepthAnythingCheckpoint.Save(original, ours);
        PythonReference.Run("resave", "--weights", ours, "--output", python, "--dtype", dtype);
        using var loaded = new DepthAnythingNetwork(DepthAnythingSize.Small);

        DepthAnythingCheckpoint.Load(loaded, python);

        // Expected: each written tensor rounded to the file's dtype by libtorch (round to nearest even, as numpy/torch
        // in the Python writer), then widened back.
        var loadedParameters = loaded.state_dict();
        foreach (var (key, p) in original.state_dict())
        {
            using var expected = dtype switch
            {
                "F16" => p.to(ScalarType.Float16).to(ScalarType.Float32),
                "BF16" => p.to(ScalarType.BFloat16).to(ScalarType.Float32),
                _ => p.clone(),
            };
            Assert.Equal(ScalarType.Float32, loadedParameters[key].dtype);
            Assert.True(loadedParameters[key].equal(expected).all().item<bool>(), key);
        }
    }

    [Fact]
    public void Load_PthWrittenByTorchSave_LoadsLikeTheOfficialDepthAnythingV2Files()
    {
        using var original = SeededWeights.Small(seed: 6);
        var safetensors = Path.Combine(dir, "ours.safetensors");
        var pth = Path.Combine(dir, "depth_anything_v2_vits.pth");
        DepthAnythingCheckpoint.Save(original, safetensors);
        PythonReference.Run("to-pth", "--weights", safetensors, "--output", pth);
        using var loaded = new DepthAnythingNetwork(DepthAnythingSize.Small);

        var fit = DepthAnythingCheckpoint.Load(loaded, pth);

        Assert.Same(DepthAnythingKeyLayout.Official, fit.Layout);
        AssertSameParameters(original, loaded, exact: true);
    }

    [Fact]
    public void Load_TruncatedSafetensors_RefusesInOneLineNamingTheTensorAndLeavesTheNetworkAlone()
    {
        using var original = SeededWeights.Small(seed: 7);
        var path = Path.Combine(dir, "cut.safetensors");
        DepthAnythingCheckpoint.Save(original, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        using var network = SeededWeights.Small(seed: 9);
        using var before = network.state_dict()["depth_head.scratch.output_conv2.0.weight"].clone();

        var e = Assert.Throws<CheckpointException>(() => DepthAnythingCheckpoint.Load(network, path));

        Assert.Matches($@"^checkpoint {System.Text.RegularExpressions.Regex.Escape(path)}: not a readable safetensors file: file is truncated: tensor '[a-z0-9_.]+' ends at byte \d+, the file has {bytes.Length - 100}$", e.Message);
        Assert.True(network.state_dict()["depth_head.scratch.output_conv2.0.weight"].equal(before).all().item<bool>());
    }

    [Fact]
    public void Load_FileThatIsNoCheckpoint_RefusesInOneLine()
    {
        var path = Path.Combine(dir, "notes.pth");
        File.WriteAllText(path, "these are not weights");
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Small);

        var e = Assert.Throws<CheckpointException>(() => DepthAnythingCheckpoint.Load(network, path));

        Assert.Equal($"checkpoint {path}: neither safetensors nor a PyTorch zip (torch.save) file", e.Message);
    }

    [Fact]
    public void Load_SmallFileIntoBaseNetwork_RefusesBeforeReadingAnyTensor()
    {
        using var small = SeededWeights.Small(seed: 1);
        var path = Path.Combine(dir, "small.safetensors");
        DepthAnythingCheckpoint.Save(small, path);
        using var network = new DepthAnythingNetwork(DepthAnythingSize.Base);

        var e = Assert.Throws<CheckpointException>(() => DepthAnythingCheckpoint.Load(network, path));

        Assert.StartsWith($"checkpoint {path} does not fit dad-base (official (pretrained.*, depth_head.*)); it looks like a dad-small checkpoint: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static void AssertSameParameters(DepthAnythingNetwork expected, DepthAnythingNetwork actual, bool exact)
    {
        var a = actual.state_dict();
        foreach (var (key, e) in expected.state_dict())
        {
            Assert.Equal(ScalarType.Float32, a[key].dtype);
            Assert.True(exact ? a[key].equal(e).all().item<bool>() : a[key].allclose(e), key);
        }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
