using System.Buffers.Binary;
using System.Text.Json.Nodes;
using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Networks;
using DepthNode.Installation;
using DepthNode.Models;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Checkpoints;

/// <summary>
/// State dicts of whole modules (the training checkpoints' <c>student.safetensors</c>), on the real FastDepth weights:
/// F32 parameters and I64 batch-norm counters.
/// </summary>
public sealed class CheckpointFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("safetensors-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void WriteStateDict_RealFastDepth_LayoutPerTheSpecAndLoadsBackBitForBit()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var state = net.state_dict();
        var path = Path.Combine(_dir.FullName, "student.safetensors");

        CheckpointFile.WriteStateDict(path, net);

        // Parsed here by the spec: u64 LE header size, JSON header, data_offsets relative to the end of the header.
        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(bytes, 8, n))!.AsObject();
        Assert.Equal(state.Keys.Order(), header.Select(kv => kv.Key).Where(k => k != "__metadata__").Order());
        var w = state["encoder.0.conv.weight"];
        var entry = header["encoder.0.conv.weight"]!;
        Assert.Equal("F32", entry["dtype"]!.GetValue<string>());
        Assert.Equal(w.shape, entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        var begin = 8 + n + entry["data_offsets"]![0]!.GetValue<long>();
        var expected = w.data<float>().ToArray();
        var stored = new float[expected.Length];
        Buffer.BlockCopy(bytes, (int)begin, stored, 0, stored.Length * 4);
        Assert.Equal(expected, stored);
        Assert.Equal("I64", header["encoder.0.bn.num_batches_tracked"]!["dtype"]!.GetValue<string>());

        using var loaded = new FastDepthArchitecture().CreateRandom(7);
        CheckpointFile.LoadStateDict(loaded, path);
        var back = loaded.state_dict();
        foreach (var (name, t) in state)
        {
            Assert.Equal(t.dtype, back[name].dtype);
            Assert.True(t.equal(back[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void LoadStateDict_TruncatedFile_OneLineNamingTheFileAndTheModuleUntouched()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var path = Path.Combine(_dir.FullName, "cut.safetensors");
        CheckpointFile.WriteStateDict(path, net);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^8]);
        using var target = new FastDepthArchitecture().CreateRandom(7);
        using var before = target.state_dict()["decoder.4.depthwise.conv.weight"].clone();

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadStateDict(target, path));

        Assert.StartsWith($"checkpoint {path}: not a readable safetensors file: file is truncated: tensor '", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(target.state_dict()["decoder.4.depthwise.conv.weight"].equal(before).all().item<bool>());
    }

    [Fact]
    public void LoadStateDict_KeysAndShapesOfAnotherNetwork_RefusesNamingThemAndCopiesNothing()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var state = net.state_dict();
        var tensors = state.Where(kv => kv.Key != "decoder.4.depthwise.conv.weight").ToDictionary(kv => kv.Key, kv => kv.Value.detach());
        tensors["head.weight"] = ones(3);
        tensors["encoder.0.conv.weight"] = zeros(2, 2);
        var path = Path.Combine(_dir.FullName, "other.safetensors");
        CheckpointFile.WriteSafetensors(path, tensors);
        using var target = new FastDepthArchitecture().CreateRandom(7);
        using var before = target.state_dict()["encoder.13.pointwise.bn.running_var"].clone();

        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadStateDict(target, path));

        Assert.Equal(
            $"checkpoint {path} does not fit {target.GetType().Name}: 1 missing (decoder.4.depthwise.conv.weight), 1 unexpected (head.weight), " +
            $"1 mis-shaped (encoder.0.conv.weight: file [2,2], network {MisShapedKey.Format(state["encoder.0.conv.weight"].shape)})",
            e.Message);
        Assert.True(target.state_dict()["encoder.13.pointwise.bn.running_var"].equal(before).all().item<bool>());
    }
}
