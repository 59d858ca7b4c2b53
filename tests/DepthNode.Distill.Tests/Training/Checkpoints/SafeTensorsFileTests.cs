using System.Buffers.Binary;
using System.Text.Json.Nodes;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Installation;
using DepthNode.Models;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Training.Checkpoints;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("safetensors-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Write_RealFastDepthStateDict_LayoutPerTheSpecAndReadBackBitForBit()
    {
        using var net = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var state = net.state_dict();
        var path = Path.Combine(_dir.FullName, "student.safetensors");

        SafeTensorsFile.Write(path, state);

        // Parsed here by the spec: u64 LE header size, JSON header (padded to 8), data_offsets relative to the data.
        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        var header = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(bytes, 8, n))!.AsObject();
        Assert.Equal(state.Count, header.Count);
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

        var back = SafeTensorsFile.Read(path);
        Assert.Equal(state.Keys.Order(), back.Keys.Order());
        foreach (var (name, t) in state)
        {
            Assert.Equal(t.dtype, back[name].dtype);
            Assert.Equal(t.shape, back[name].shape);
            Assert.True(t.eq(back[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Read_TruncatedFile_OneLineNamingTheFile()
    {
        var path = Path.Combine(_dir.FullName, "cut.safetensors");
        SafeTensorsFile.Write(path, new Dictionary<string, Tensor> { ["x"] = ones(10) });
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^8]);

        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains($"{path} is not a readable safetensors file", e.Message);
    }
}
