namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// A merged (or unsharded) label cache opened for training: refused unless it was made with the run's identity,
/// then looked up by frame key and view.
/// </summary>
public sealed class LabelCache
{
    private readonly Dictionary<(string Frame, int View), FrameLabel> _labels;

    private LabelCache(LabelCacheIdentity identity, Dictionary<(string, int), FrameLabel> labels)
    {
        Identity = identity;
        _labels = labels;
    }

    public LabelCacheIdentity Identity { get; }

    public int Count => _labels.Count;

    /// <summary>Opens the cache; another teacher, pre-processing, geometry, seed or view count is one clear error.</summary>
    public static LabelCache Open(string path, LabelCacheIdentity expected)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"label cache {path} does not exist; run depth-distill label first", path);
        var header = LabelShardFile.ReadHeader(path);
        if (header.Identity.DifferencesFrom(expected) is { } diff)
            throw new InvalidDataException($"label cache {path} was made with {diff}; relabel or point the run at another cache");
        if (header.Shard != ShardSpec.Whole)
            throw new InvalidDataException($"label cache {path} is shard {header.Shard} only; merge the shards first");
        var (_, labels) = LabelShardFile.Read(path);
        var map = new Dictionary<(string, int), FrameLabel>(labels.Count);
        foreach (var l in labels)
            if (!map.TryAdd((l.FrameKey, l.View), l))
                throw new InvalidDataException($"label cache {path} holds frame {l.FrameKey} view {l.View} twice");
        return new LabelCache(header.Identity, map);
    }

    public bool TryGet(string frameKey, int view, out FrameLabel label) => _labels.TryGetValue((frameKey, view), out label!);
}
