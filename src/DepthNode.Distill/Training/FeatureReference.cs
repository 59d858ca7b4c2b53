using System.Globalization;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Distill.Training.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>
/// The frozen encoder the feature-alignment loss compares the student's encoder with: by default the student's own
/// initial weights, so L_feat keeps the student's representation near its pretrained one (the part DINOv2's frozen
/// features play in the paper, whose students start from DINOv2). It stays in eval mode (batch norm on its running
/// statistics), takes no gradients, runs only the encoder, and is never checkpointed: a resumed run rebuilds it from
/// the same weights.
/// </summary>
public sealed class FeatureReference : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly IEncoderFeatures _encoder;

    private FeatureReference(nn.Module<Tensor, Tensor> network, IEncoderFeatures encoder)
    {
        (_network, _encoder) = (network, encoder);
        _network.eval();
        foreach (var p in _network.parameters()) p.requires_grad = false;
    }

    /// <summary>Channels of <see cref="Features"/> are along this dimension (the student's features have the same layout).</summary>
    public long ChannelDim => _encoder.FeatureChannelDim;

    /// <summary>The frozen encoder's features of the student's input batch.</summary>
    public Tensor Features(Tensor studentInput)
    {
        using var noGrad = no_grad();
        return _encoder.EncoderFeatures(studentInput);
    }

    /// <summary>
    /// The reference the config asks for (<c>student.feature_reference</c>: <c>init</c>, the default, <c>none</c> or
    /// a weights path), or null when the term is off; logs one line saying what is aligned with what, or why it is off.
    /// </summary>
    public static FeatureReference? Create(TrainConfig config, DepthArchitecture arch, nn.Module<Tensor, Tensor> student, Action<string> log)
    {
        var choice = config.Student.FeatureReference ?? "init";
        var weight = config.Loss.FeatureWeight;
        if (weight <= 0) return Off(log, "loss.feature_weight is 0");
        if (choice == "none") return Off(log, "student.feature_reference is none");
        if (student is not IEncoderFeatures features)
        {
            if (config.Student.FeatureReference is not null)
                throw new NotSupportedException($"student.feature_reference: the {arch.Name} student has no encoder features to align; set it to none");
            return Off(log, $"the {arch.Name} student has no encoder features to align");
        }

        // The same call that made the student, so the reference equals its starting point to the bit.
        var source = choice == "init" ? config.Student.Init : choice;
        nn.Module<Tensor, Tensor> network;
        try
        {
            network = source is not null ? NetworkWeights.Load(arch, source) : arch.CreateRandom(config.Seed);
        }
        catch (Exception e) when (choice != "init" && e is InvalidDataException or NotSupportedException or ArgumentException or IOException)
        {
            throw new InvalidDataException($"student.feature_reference {choice}: {e.Message}", e);
        }
        if (network is not IEncoderFeatures encoder || network.GetType() != student.GetType())
        {
            network.Dispose();
            throw new InvalidDataException($"student.feature_reference {choice}: not a {arch.Name} network like the student");
        }
        var what = choice == "init"
            ? $"a frozen copy of its initial weights ({config.Student.Init ?? $"seeded random, seed {config.Seed}"})"
            : $"a frozen {arch.Name} from {choice}";
        log(string.Create(CultureInfo.InvariantCulture,
            $"feature alignment: the student's {features.FeatureLayer} aligned with the same layer of {what}, same input; 1 − cos, margin {config.Loss.FeatureMargin}, weight {weight}"));
        return new FeatureReference(network, encoder);
    }

    private static FeatureReference? Off(Action<string> log, string why)
    {
        log($"feature alignment: off ({why})");
        return null;
    }

    public void Dispose() => _network.Dispose();
}
