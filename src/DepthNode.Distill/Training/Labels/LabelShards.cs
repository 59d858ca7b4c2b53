namespace DepthNode.Distill.Training.Labels;

/// <summary>Merging the shards of a labelling job array into the one cache training reads.</summary>
public static class LabelShards
{
    /// <summary>
    /// Checks that the shards have one identity and are exactly 0..N−1 of one N, then writes their entries in frame
    /// order as a whole (0/1) shard: the same bytes the unsharded run writes. Entries are copied one at a time, so
    /// merging needs no more memory than one entry.
    /// </summary>
    public static void Merge(IReadOnlyList<string> shardPaths, string output)
    {
        if (shardPaths.Count == 0) throw new ArgumentException("no label shards to merge");
        var shards = new List<LabelShardReader>();
        try
        {
            foreach (var p in shardPaths) shards.Add(LabelShardReader.Open(p));
            var first = shards[0];
            foreach (var s in shards.Skip(1))
                if (s.Header.Identity.DifferencesFrom(first.Header.Identity) is { } diff)
                    throw new InvalidDataException($"label shard {s.Path} was made with {diff} (as {first.Path})");
            var n = first.Header.Shard.Count;
            var indices = shards.Select(s => s.Header.Shard).ToList();
            if (indices.Any(i => i.Count != n))
                throw new InvalidDataException($"label shards come from different splits: {string.Join(", ", indices)}");
            var missing = Enumerable.Range(0, n).Where(i => indices.Count(s => s.Index == i) != 1).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"label shards {string.Join(", ", missing.Select(i => $"{i}/{n}"))} are missing or given twice");
            var entries = shards.SelectMany(s => s.Entries.Select(e => (Shard: s, Entry: e)))
                .OrderBy(x => x.Entry.FrameIndex).ThenBy(x => x.Entry.View).ToList();
            using var writer = new LabelShardWriter(output, new LabelShardFile.Header(first.Header.Identity, ShardSpec.Whole, entries.Count));
            foreach (var (shard, entry) in entries) writer.Add(shard.Read(entry));
            writer.Complete();
        }
        finally
        {
            foreach (var s in shards) s.Dispose();
        }
    }
}
