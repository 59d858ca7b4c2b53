namespace DepthNode.Distill.Frames;

/// <summary>Frames of one bag topic: every <see cref="Stride"/>-th image message with log time in [start, end) seconds
/// from the bag's first message (end 0 = to the end).</summary>
public sealed record BagFrames(string Path, string Topic, double StartSeconds = 0, double EndSeconds = 0, int Stride = 1);

/// <summary>Frames of an image folder: every <see cref="Stride"/>-th file matching <see cref="Pattern"/> in name
/// order (null pattern: every .jpg / .png whose name does not contain "depth").</summary>
public sealed record FolderFrames(string Path, string? Pattern = null, int Stride = 1);
