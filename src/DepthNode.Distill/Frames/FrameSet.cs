using DepthNode.Bags;
using DepthNode.Distill.Training.Labels;
using DepthNode.Imaging;
using DepthNode.Messages;

namespace DepthNode.Distill.Frames;

/// <summary>
/// The frames of a run in a fixed order (bags, then folders, as configured), each with its label-cache key, decoded on
/// demand by the core's readers: <see cref="BagReader"/> + <see cref="ImageMessageView"/> for raw images,
/// <see cref="CompressedImageDecoder"/> for compressed messages and image files, then the node's pre-processor to rgb8.
/// Bag payloads are copied into memory once (a frame is decoded each time it is used; the teacher costs far more).
/// </summary>
public sealed class FrameSet : IDisposable
{
    private readonly List<Func<CompressedImageDecoder, RgbFrame>> _loaders = [];
    private readonly List<string> _keys = [];
    private readonly Dictionary<int, (int Width, int Height)> _sizes = [];
    private readonly CompressedImageDecoder _decoder = new();

    public IReadOnlyList<string> Keys => _keys;
    public int Count => _keys.Count;

    public static FrameSet Open(IEnumerable<BagFrames> bags, IEnumerable<FolderFrames> folders)
    {
        var set = new FrameSet();
        try
        {
            foreach (var b in bags) set.AddBag(b);
            foreach (var f in folders) set.AddFolder(f);
        }
        catch
        {
            set.Dispose();
            throw;
        }
        if (set.Count == 0) throw new InvalidDataException("the data selection holds no frames (check topics, time ranges and folder patterns)");
        return set;
    }

    private void AddBag(BagFrames b)
    {
        if (b.Stride < 1) throw new ArgumentException($"bag {b.Path}: stride must be ≥ 1, got {b.Stride}");
        using var reader = BagReader.Open(b.Path);
        var topic = reader.Info.Topics.FirstOrDefault(t => t.Topic.Name == b.Topic)?.Topic
            ?? throw new InvalidDataException($"bag {b.Path} has no topic {b.Topic} (topics: {string.Join(", ", reader.Info.Topics.Select(t => t.Topic.Name))})");
        // Older bags (e.g. rosbag2.js) name types without the /msg/ part.
        var compressed = topic.Type.Replace("/msg/", "/", StringComparison.Ordinal) switch
        {
            "sensor_msgs/Image" => false,
            "sensor_msgs/CompressedImage" => true,
            _ => throw new InvalidDataException($"bag {b.Path} topic {b.Topic} is {topic.Type}, not sensor_msgs/msg/Image or CompressedImage"),
        };
        var t0 = reader.Info.StartTimeNs;
        var options = new BagReadOptions
        {
            Topics = [b.Topic],
            RequireCdr = true,
            StartTimeNs = t0 + (long)(b.StartSeconds * 1e9),
            EndTimeNs = b.EndSeconds > 0 ? t0 + (long)(b.EndSeconds * 1e9) : long.MaxValue,
        };
        var n = 0;
        var bagName = Path.GetFullPath(b.Path);
        foreach (var m in reader.ReadMessages(options))
        {
            if (n++ % b.Stride != 0) continue;
            var payload = m.Data.ToArray();
            var where = $"bag {b.Path} {b.Topic} at {m.LogTimeNs} ns";
            _keys.Add(FrameKeys.ForBagMessage(bagName, b.Topic, m.LogTimeNs));
            _loaders.Add(compressed ? d => DecodeCompressed(d, payload, where) : _ => DecodeRaw(payload, where));
        }
    }

    private void AddFolder(FolderFrames f)
    {
        if (f.Stride < 1) throw new ArgumentException($"folder {f.Path}: stride must be ≥ 1, got {f.Stride}");
        if (!Directory.Exists(f.Path)) throw new DirectoryNotFoundException($"image folder {f.Path} does not exist");
        var files = (f.Pattern is null
                ? Directory.EnumerateFiles(f.Path).Where(IsPhoto)
                : Directory.EnumerateFiles(f.Path, f.Pattern))
            .Order(StringComparer.Ordinal).Where((_, i) => i % f.Stride == 0).ToList();
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file);
            _keys.Add(FrameKeys.ForFile(full));
            _loaders.Add(d => DecodeCompressed(d, File.ReadAllBytes(full), full, Path.GetExtension(full)));
        }
    }

    private static bool IsPhoto(string path) =>
        (path.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)
         || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        && !Path.GetFileName(path).Contains("depth", StringComparison.OrdinalIgnoreCase);

    private static RgbFrame DecodeRaw(byte[] payload, string where)
    {
        try
        {
            var msg = ImageMessageView.Parse(payload);
            return RgbFrame.From(ImageView.Create(msg.EncodingUtf8, msg.Width, msg.Height, msg.Step, msg.IsBigEndian != 0, msg.Data));
        }
        catch (Exception e) when (e is ImageFormatException or Cdr.CdrException)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }
    }

    private static RgbFrame DecodeCompressed(CompressedImageDecoder decoder, byte[] payload, string where, string? fileFormat = null)
    {
        try
        {
            if (fileFormat is not null) return RgbFrame.From(decoder.Decode(fileFormat.TrimStart('.'), payload));
            var msg = CompressedImageMessageView.Parse(payload);
            return RgbFrame.From(decoder.Decode(System.Text.Encoding.UTF8.GetString(msg.FormatUtf8), msg.Data));
        }
        catch (Exception e) when (e is ImageFormatException or Cdr.CdrException)
        {
            throw new InvalidDataException($"{where}: {e.Message}", e);
        }
    }

    /// <summary>Frame <paramref name="index"/> decoded.</summary>
    public RgbFrame Load(int index)
    {
        var frame = _loaders[index](_decoder);
        _sizes[index] = (frame.Width, frame.Height);
        return frame;
    }

    /// <summary>Width and height of a frame (decoded once if not seen yet).</summary>
    public (int Width, int Height) Size(int index) =>
        _sizes.TryGetValue(index, out var s) ? s : (Load(index) is var f ? (f.Width, f.Height) : default);

    /// <summary>
    /// The frame order of an epoch: a Fisher–Yates permutation drawn from (seed, epoch), so any step's frames are
    /// known without replaying the run (a resumed run sees the same frames).
    /// </summary>
    public static int[] EpochOrder(int count, int seed, long epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(LabelShardBuilder.ViewSeed(seed, (int)(epoch & int.MaxValue), -1));
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    public void Dispose() => _decoder.Dispose();
}
