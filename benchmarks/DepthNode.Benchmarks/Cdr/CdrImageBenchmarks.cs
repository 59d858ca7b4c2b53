using BenchmarkDotNet.Attributes;
using DepthNode.Cdr;
using DepthNode.Messages;

namespace DepthNode.Benchmarks.Cdr;

/// <summary>
/// CDR decode and encode of a KITTI-sized 1242×375 rgb8 Image against a plain copy of the same pixel bytes
/// (the baseline). Decode returns the pixels as a slice of the payload; encode writes the whole message into a
/// reused pooled writer (one copy of the pixels, like the baseline).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CdrImageBenchmarks
{
    private const int Width = 1242, Height = 375, Step = Width * 3;
    private Image _image = null!;
    private byte[] _payload = null!;
    private byte[] _copyTarget = null!;
    private CdrWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var pixels = new byte[Step * Height];
        new Random(1).NextBytes(pixels);
        _image = new Image(new Header(new RosTime(1, 2), "camera_color_left"), Height, Width, "rgb8", 0, Step, pixels);
        _payload = RosMessage.SerializeToArray(_image);
        _copyTarget = new byte[_payload.Length];
        _writer = new CdrWriter(_payload.Length + 64);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Baseline = true, Description = "memcpy of the pixel bytes")]
    public int Memcpy()
    {
        _image.Data.Span.CopyTo(_copyTarget);
        return _copyTarget[^1];
    }

    [Benchmark(Description = "decode Image (data = slice)")]
    public int Decode() => RosMessage.Deserialize<Image>(_payload).Data.Length;

    [Benchmark(Description = "decode Image + copy pixels out")]
    public int DecodeAndCopy()
    {
        var image = RosMessage.Deserialize<Image>(_payload);
        image.Data.Span.CopyTo(_copyTarget);
        return _copyTarget[^1];
    }

    [Benchmark(Description = "encode Image (pooled writer)")]
    public int Encode()
    {
        _writer.Reset();
        RosMessage.Serialize(_image, _writer);
        return _writer.WrittenSpan.Length;
    }

    [Benchmark(Description = "encode Image via WriteUpToData")]
    public int EncodeInPlace()
    {
        _writer.Reset();
        var data = Image.WriteUpToData(_writer, _image.Header, Height, Width, "rgb8", Step);
        _image.Data.Span.CopyTo(data); // stands for the producer writing its pixels
        _writer.Flush();
        return _writer.WrittenSpan.Length;
    }
}

/// <summary>The same for a 466k-point PointCloud2 (x, y, z, intensity float32: 16 bytes a point, ~7.5 MB).</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CdrPointCloudBenchmarks
{
    private const int Points = 466_000;
    private PointCloud2 _cloud = null!;
    private byte[] _payload = null!;
    private byte[] _copyTarget = null!;
    private CdrWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = new byte[Points * 16];
        new Random(2).NextBytes(data);
        _cloud = new PointCloud2(new Header(new RosTime(1, 2), "velodyne"), 1, Points,
            [new("x", 0, PointField.Float32, 1), new("y", 4, PointField.Float32, 1), new("z", 8, PointField.Float32, 1), new("intensity", 12, PointField.Float32, 1)],
            false, 16, Points * 16, data, false);
        _payload = RosMessage.SerializeToArray(_cloud);
        _copyTarget = new byte[_payload.Length];
        _writer = new CdrWriter(_payload.Length + 64);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark(Baseline = true, Description = "memcpy of the point bytes")]
    public int Memcpy()
    {
        _cloud.Data.Span.CopyTo(_copyTarget);
        return _copyTarget[^1];
    }

    [Benchmark(Description = "decode PointCloud2 (data = slice)")]
    public int Decode() => RosMessage.Deserialize<PointCloud2>(_payload).Data.Length;

    [Benchmark(Description = "decode PointCloud2 + copy points out")]
    public int DecodeAndCopy()
    {
        var cloud = RosMessage.Deserialize<PointCloud2>(_payload);
        cloud.Data.Span.CopyTo(_copyTarget);
        return _copyTarget[^1];
    }

    [Benchmark(Description = "encode PointCloud2 (pooled writer)")]
    public int Encode()
    {
        _writer.Reset();
        RosMessage.Serialize(_cloud, _writer);
        return _writer.WrittenSpan.Length;
    }

    [Benchmark(Description = "encode PointCloud2 via WriteUpToData")]
    public int EncodeInPlace()
    {
        _writer.Reset();
        var data = PointCloud2.WriteUpToData(_writer, _cloud.Header, 1, Points, _cloud.Fields, 16, false);
        _cloud.Data.Span.CopyTo(data);
        _writer.Flush();
        return _writer.WrittenSpan.Length;
    }
}
