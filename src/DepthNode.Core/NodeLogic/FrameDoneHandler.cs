namespace DepthNode.NodeLogic;

/// <summary>Called after each processed frame with its index, the input payload and the outputs (previews, evaluation).</summary>
public delegate void FrameDoneHandler(long index, ReadOnlySpan<byte> input, DepthOutputs outputs);
