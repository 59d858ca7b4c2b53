namespace DepthNode.NodeLogic;

/// <summary>What a bag run did.</summary>
public sealed record BagRunSummary(long Images, long Processed, long Dropped, IReadOnlyList<string> Warnings);
