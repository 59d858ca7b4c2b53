namespace DepthNode.Inference;

/// <summary>
/// A depth network behind its card, without any runtime types. The model owns its input and output buffers (pinned,
/// bound to the runtime once per input size): the pre-processor writes straight into <see cref="GetInputBuffer"/>,
/// <see cref="Run"/> fills the output in place. Nothing is allocated per frame once a size has been seen.
/// </summary>
public interface IDepthModel : IDisposable
{
    ModelCard Card { get; }

    /// <summary>The execution provider actually running the network (e.g. "CPUExecutionProvider").</summary>
    string Provider { get; }

    /// <summary>The network input size the card's size policy picks for a camera image of this size.</summary>
    TensorSize InputSizeFor(int imageWidth, int imageHeight);

    /// <summary>The input tensor (layout per <see cref="ModelInputSpec.Layout"/>, 3 channels) for this input size,
    /// to be filled before <see cref="Run"/>. Switching size re-binds buffers (allocates); staying on one size does not.</summary>
    Span<float> GetInputBuffer(TensorSize inputSize);

    /// <summary>Runs the network on the buffer last returned by <see cref="GetInputBuffer"/>. The returned view is valid
    /// until the next call.</summary>
    DepthOutputView Run();
}

/// <summary>The network's output: one value per output pixel, row-major, meaning per <see cref="ModelOutputSpec.Kind"/>.</summary>
public readonly ref struct DepthOutputView(ReadOnlySpan<float> values, int width, int height)
{
    public ReadOnlySpan<float> Values { get; } = values;
    public int Width { get; } = width;
    public int Height { get; } = height;
}
