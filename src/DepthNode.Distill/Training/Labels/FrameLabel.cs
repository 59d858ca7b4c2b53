namespace DepthNode.Distill.Training.Labels;

/// <summary>One teacher output map, row-major float32.</summary>
public sealed record LabelMap(int Height, int Width, float[] Values)
{
    public LabelMap Validate()
    {
        if (Height < 1 || Width < 1 || (long)Height * Width != Values.Length)
            throw new ArgumentException($"label map {Height}×{Width} holds {Values.Length} values");
        return this;
    }
}

/// <summary>
/// The teacher's outputs for one view of one frame: the shared-context map (Maps[0]) and one map per local patch
/// (Maps[1..]). FrameIndex is the frame's position in the run's frame list (the order shards are merged back in);
/// FrameKey names the frame itself (<see cref="FrameKeys"/>).
/// </summary>
public sealed record FrameLabel(int FrameIndex, string FrameKey, int View, CrossContextSample Sample, IReadOnlyList<LabelMap> Maps);
