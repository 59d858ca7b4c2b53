namespace DepthNode.Distill.Training.Labels;

/// <summary>A frame list and a teacher, seen by the labeller: frame sizes and the teacher's maps of one view.</summary>
public interface ILabelSource
{
    /// <summary>Frames of the run, in their deterministic order; each entry is a <see cref="FrameKeys"/> key.</summary>
    IReadOnlyList<string> FrameKeys { get; }

    /// <summary>Width and height of frame <paramref name="frameIndex"/> in pixels.</summary>
    (int Width, int Height) FrameSize(int frameIndex);

    /// <summary>The teacher's shared-context map of the crop, then one map per patch (native-detail view).</summary>
    IReadOnlyList<LabelMap> Label(int frameIndex, CrossContextSample sample);
}
