namespace DepthNode.Distill.Training.Labels;

/// <summary>Merging the shards of a labelling job array into the one cache training reads.</summary>
public static class LabelShards
{
    /// <summary>
    /// Checks that the shards have one identity and are exactly 0..N−1 of one N, then writes their entries in frame
    /// order as a whole (0/1) shard: the same bytes the unsharded run writes.
    /// </summary>
    public static void Merge(IReadOnlyList<string> shardPaths, string output)
    {
        if (shardPaths.Count == 0) throw new ArgumentException("no label shards to merge");
        var shards = shardPaths.Select(p => (Path: p, File: LabelShardFile.Read(p))).ToList();
        var first = shards[0];
        foreach (var s in shards.Skip(1))
            if (s.File.Header.Identity.DifferencesFrom(first.File.Header.Identity) is { } diff)
                throw new InvalidDataException($"label shard {s.Path} was made with {diff} (as {first.Path})");
        var n = first.File.Header.Shard.Count;
        var indices = shards.Select(s => s.File.Header.Shard).ToList();
        if (indices.Any(i => i.Count != n))
            throw new InvalidDataException($"label shards come from different splits: {string.Join(", ", indices)}");
        var missing = Enumerable.Range(0, n).Where(i => indices.Count(s => s.Index == i) != 1).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"label shards {string.Join(", ", missing.Select(i => $"{i}/{n}"))} are missing or given twice");
        var entries = shards.SelectMany(s => s.File.Labels).OrderBy(l => l.FrameIndex).ThenBy(l => l.View).ToList();
        using var writer = new LabelShardWriter(output, new LabelShardFile.Header(first.File.Header.Identity, ShardSpec.Whole, entries.Count));
        foreach (var e in entries) writer.Add(e);
        writer.Complete();
    }
}
