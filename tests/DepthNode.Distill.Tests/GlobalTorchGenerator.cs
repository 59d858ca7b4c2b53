namespace DepthNode.Distill.Tests;

/// <summary>
/// Tests that assert "the same seed gives the same weights": libtorch's generator is global, so another class
/// drawing random weights at the same time would interleave its draws with theirs. They run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchGenerator
{
    public const string Name = "global torch generator";
}
