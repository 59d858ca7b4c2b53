using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>
/// AdamW with separate encoder / decoder learning rates, polynomial decay and gradient-norm clipping. Defaults are
/// Depth Anything V2's fine-tuning convention the method document cites [ref]: betas (0.9, 0.999), weight decay
/// 0.01, encoder 5e-6, decoder 10× (5e-5), lr·(1 − step/T)^0.9. Clipping is not stated anywhere; 1.0 on the global
/// L2 norm is a common safe choice for a distillation whose loss has no fixed scale [inferred].
/// </summary>
public sealed record OptimizerSettings
{
    public double EncoderLearningRate { get; init; } = 5e-6;
    public double DecoderLearningRate { get; init; } = 5e-5;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double PolyPower { get; init; } = 0.9;

    /// <summary>Largest global gradient L2 norm; 0 = no clipping.</summary>
    public double GradientClipNorm { get; init; } = 1.0;

    /// <summary>
    /// The optimizer over a student whose encoder parameters are those whose name starts with
    /// <paramref name="encoderPrefix"/> (e.g. "encoder." or "pretrained."); every other parameter is the decoder's.
    /// </summary>
    public optim.Optimizer CreateOptimizer(nn.Module student, string encoderPrefix)
    {
        var named = student.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var encoder = named.Where(p => p.name.StartsWith(encoderPrefix, StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var decoder = named.Where(p => !p.name.StartsWith(encoderPrefix, StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>();
        if (encoder.Count > 0) groups.Add(new(encoder, EncoderLearningRate, Beta1, Beta2, 1e-8, WeightDecay));
        if (decoder.Count > 0) groups.Add(new(decoder, DecoderLearningRate, Beta1, Beta2, 1e-8, WeightDecay));
        if (groups.Count == 0) throw new ArgumentException("the student has no trainable parameters");
        return optim.AdamW(groups, DecoderLearningRate, Beta1, Beta2, 1e-8, WeightDecay);
    }

    /// <summary>Poly decay factor at a step (0-based) of a run of totalSteps.</summary>
    public double DecayFactor(long step, long totalSteps) =>
        Math.Pow(Math.Max(0, 1 - (double)step / Math.Max(1, totalSteps)), PolyPower);

    /// <summary>Sets every group's learning rate to its initial rate × the decay factor of the step.</summary>
    public void ApplySchedule(optim.Optimizer optimizer, long step, long totalSteps)
    {
        var factor = DecayFactor(step, totalSteps);
        foreach (var g in optimizer.ParamGroups) g.LearningRate = g.InitialLearningRate * factor;
    }
}
