using DepthNode.Cdr;

namespace DepthNode.NodeLogic;

/// <summary>
/// The serialized messages one frame produced, one reused CDR buffer per output topic. After a successful
/// <see cref="DepthPipeline"/> call, each flag says whether that message was written this frame; the bytes are valid
/// until the next frame. The ROS adapter publishes them, the bag runner records them.
/// </summary>
public sealed class DepthOutputs : IDisposable
{
    public CdrWriter Depth { get; } = new(1 << 20);
    public CdrWriter CameraInfo { get; } = new(1024);
    public CdrWriter Cloud { get; } = new(1 << 20);
    public CdrWriter Colorized { get; } = new(1 << 20);
    public CdrWriter Metadata { get; } = new(256);

    public bool HasDepth { get; internal set; }
    public bool HasCameraInfo { get; internal set; }
    public bool HasCloud { get; internal set; }
    public bool HasColorized { get; internal set; }
    public bool HasMetadata { get; internal set; }

    internal void Begin()
    {
        HasDepth = HasCameraInfo = HasCloud = HasColorized = HasMetadata = false;
        Depth.Reset();
        CameraInfo.Reset();
        Cloud.Reset();
        Colorized.Reset();
        Metadata.Reset();
    }

    public void Dispose()
    {
        Depth.Dispose();
        CameraInfo.Dispose();
        Cloud.Dispose();
        Colorized.Dispose();
        Metadata.Dispose();
    }
}

/// <summary>The outputs whose computation can be skipped when nobody subscribes to them.</summary>
[Flags]
public enum WantedOutputs
{
    None = 0,
    Depth = 1,
    Cloud = 2,
    Colorized = 4,
    All = Depth | Cloud | Colorized,
}
