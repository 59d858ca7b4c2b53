namespace DepthNode.NodeLogic;

/// <summary>The timed stages of one frame, in pipeline order (the `bench` command reports each).</summary>
public enum PipelineStage
{
    Decode,
    Preprocess,
    Inference,
    Postprocess,
    MetricFit,
    PointCloud,
    Colorize,
    Encode,
    /// <summary>Everything from receiving the message to the last output encoded.</summary>
    Total,
    /// <summary>Total minus the network call: what the node itself costs per frame.</summary>
    NonNetwork,
}
