namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// A checkpoint that cannot be read or does not fit the network; the message is one line naming the file. An
/// <see cref="IOException"/> (a file that cannot be used), so the command line prints it as its one-line error.
/// </summary>
public sealed class CheckpointException(string message, Exception? inner = null) : IOException(message, inner);
