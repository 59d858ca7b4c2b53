namespace DepthNode.Distill.Checkpoints;

/// <summary>A checkpoint that cannot be read or does not fit the network; the message is one line naming the file.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
