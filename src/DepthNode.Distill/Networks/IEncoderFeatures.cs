using static TorchSharp.torch;

namespace DepthNode.Distill.Networks;

/// <summary>
/// A depth network with an encoder whose output the feature-alignment loss (L_feat) can compare with a frozen
/// encoder's. Neither method changes the network's plain forward or its ONNX export.
/// </summary>
public interface IEncoderFeatures
{
    /// <summary>The dimension of <see cref="EncoderFeatures"/> that holds the channels (1 for [B, C, h, w] maps, −1 for [B, N, C] tokens).</summary>
    long FeatureChannelDim { get; }

    /// <summary>Which layer the features come from and how wide they are, for the log.</summary>
    string FeatureLayer { get; }

    /// <summary>The forward's depth (bit for bit) and the encoder's features from the same pass.</summary>
    (Tensor Depth, Tensor Features) ForwardWithFeatures(Tensor x);

    /// <summary>The encoder's features alone (the decoder is not run): what a frozen reference needs.</summary>
    Tensor EncoderFeatures(Tensor x);
}
