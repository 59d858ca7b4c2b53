namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// `depth-distill label --shard i/N`: the teacher's outputs for every view of the shard's frames, written as one
/// shard. The views of a frame depend only on (seed, frame index, view), never on the shard, so N shards merged
/// (<see cref="LabelShards.Merge"/>) are byte for byte the unsharded run.
/// </summary>
public static class LabelShardBuilder
{
    public static void Write(string path, ILabelSource source, ShardSpec shard, LabelCacheIdentity identity, CrossContextOptions geometry)
    {
        if (LabelCacheIdentity.DescribeGeometry(geometry) != identity.Geometry)
            throw new ArgumentException($"identity geometry '{identity.Geometry}' does not describe the crop options '{LabelCacheIdentity.DescribeGeometry(geometry)}'");
        if (identity.ViewsPerFrame < 1) throw new ArgumentException($"views per frame must be ≥ 1, got {identity.ViewsPerFrame}");
        var frames = Enumerable.Range(0, source.FrameKeys.Count).Where(shard.Contains).ToList();
        using var writer = new LabelShardWriter(path, new LabelShardFile.Header(identity, shard, frames.Count * identity.ViewsPerFrame));
        foreach (var f in frames)
        {
            var (width, height) = source.FrameSize(f);
            for (var view = 0; view < identity.ViewsPerFrame; view++)
            {
                var sample = new CrossContextSampler(geometry, ViewSeed(identity.Seed, f, view)).Sample(width, height);
                var maps = source.Label(f, sample);
                if (maps.Count != sample.Patches.Count + 1)
                    throw new InvalidOperationException($"teacher gave {maps.Count} maps for frame {source.FrameKeys[f]} view {view}; expected 1 + {sample.Patches.Count} patches");
                writer.Add(new FrameLabel(f, source.FrameKeys[f], view, sample, maps));
            }
        }
        writer.Complete();
    }

    /// <summary>The crop seed of one view: SplitMix64 of (seed, frame, view), stable across runs, machines and shards.</summary>
    public static int ViewSeed(int seed, int frameIndex, int view)
    {
        var z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)frameIndex * 0xBF58476D1CE4E5B9UL + (ulong)(uint)view * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
