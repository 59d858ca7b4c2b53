using DepthNode.Distill.Frames;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;

namespace DepthNode.Distill.Teachers;

/// <summary>A teacher over a frame set, as the label-shard builder sees it.</summary>
public sealed class TeacherLabelSource(FrameSet frames, Teacher teacher) : ILabelSource
{
    public IReadOnlyList<string> FrameKeys => frames.Keys;

    public (int Width, int Height) FrameSize(int frameIndex) => frames.Size(frameIndex);

    public IReadOnlyList<LabelMap> Label(int frameIndex, CrossContextSample sample) => teacher.Label(frames.Load(frameIndex), sample);
}
