namespace DepthNode.Inference;

/// <summary>
/// A depth network as a batched function, whatever runs it (ONNX Runtime in DepthNode.Inference, TorchSharp in
/// depth-distill): a batch of pre-processed images in (values per <see cref="ModelCard.Input"/>, always NCHW here), one
/// map per image out (meaning per <see cref="ModelCard.Output"/>). Teachers run batched through it and students are
/// scored through it before export. Unlike <see cref="IDepthModel"/>, the node's per-frame binding, it allocates its
/// result per call; device tensors stay inside the implementation.
/// </summary>
public interface IDepthNetwork : IDisposable
{
    /// <summary>What the network expects and returns; for an in-memory network, the card its export would carry.</summary>
    ModelCard Card { get; }

    /// <summary>Runs <paramref name="input"/> ([N, 3, H, W]); returns [N, 1, h, w] (h, w are usually H, W).</summary>
    NchwTensor Predict(NchwTensor input);
}

/// <summary>A dense float32 CPU tensor in NCHW order.</summary>
public sealed class NchwTensor
{
    public NchwTensor(float[] data, int n, int c, int h, int w)
    {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"NCHW shape [{n},{c},{h},{w}] has an empty dimension");
        if (data.Length != (long)n * c * h * w)
            throw new ArgumentException($"{data.Length} values do not fill an NCHW tensor of shape [{n},{c},{h},{w}]", nameof(data));
        (Data, N, C, H, W) = (data, n, c, h, w);
    }

    public float[] Data { get; }
    public int N { get; }
    public int C { get; }
    public int H { get; }
    public int W { get; }

    /// <summary>[N, C, H, W] as long (the shape ONNX Runtime and TorchSharp take).</summary>
    public long[] Shape => [N, C, H, W];

    /// <summary>Image <paramref name="n"/> of the batch (all its channels).</summary>
    public Span<float> Image(int n) => Data.AsSpan(n * C * H * W, C * H * W);

    public static NchwTensor Zeros(int n, int c, int h, int w) => new(new float[(long)n * c * h * w], n, c, h, w);

    public override string ToString() => $"[{N},{C},{H},{W}]";
}
