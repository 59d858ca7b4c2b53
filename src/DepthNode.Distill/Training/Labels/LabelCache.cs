namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// A merged (or unsharded) label cache opened for training: refused unless it was made with the run's identity,
/// then looked up by frame key and view. It holds an index of where each entry lies, not the labels: each lookup
/// reads and decodes its one entry, so memory does not grow with the cache.
/// </summary>
public sealed class LabelCache : IDisposable
{
    private readonly LabelShardReader _reader;
    private readonly Dictionary<(string Frame, int View), LabelShardReader.Entry> _index;

    private LabelCache(LabelShardReader reader, Dictionary<(string, int), LabelShardReader.Entry> index)
    {
        _reader = reader;
        _index = index;
    }

    public LabelCacheIdentity Identity => _reader.Header.Identity;

    public int Count => _index.Count;

    /// <summary>Opens the cache; another teacher, pre-processing, geometry, seed or view count is one clear error.</summary>
    public static LabelCache Open(string path, LabelCacheIdentity expected) => Open(path, expected, segmentBytes: 1 << 30);

    internal static LabelCache Open(string path, LabelCacheIdentity expected, int segmentBytes)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"label cache {path} does not exist; run depth-distill label first", path);
        var header = LabelShardFile.ReadHeader(path);
        if (header.Identity.DifferencesFrom(expected) is { } diff)
            throw new InvalidDataException($"label cache {path} was made with {diff}; relabel or point the run at another cache");
        if (header.Shard != ShardSpec.Whole)
            throw new InvalidDataException($"label cache {path} is shard {header.Shard} only; merge the shards first");
        var reader = LabelShardReader.Open(path, segmentBytes);
        try
        {
            var index = new Dictionary<(string, int), LabelShardReader.Entry>(reader.Entries.Count);
            foreach (var e in reader.Entries)
                if (!index.TryAdd((e.FrameKey, e.View), e))
                    throw new InvalidDataException($"label cache {path} holds frame {e.FrameKey} view {e.View} twice");
            return new LabelCache(reader, index);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public bool TryGet(string frameKey, int view, out FrameLabel label)
    {
        label = _index.TryGetValue((frameKey, view), out var entry) ? _reader.Read(entry) : null!;
        return label is not null;
    }

    public void Dispose() => _reader.Dispose();
}
