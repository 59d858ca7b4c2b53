using DepthNode.Distill.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>
/// One training view of a batch: the teacher's outputs for it (shared-context map and one map per local patch,
/// [1, 1, h, w] each, any size) and where the patches are.
/// </summary>
public sealed record TeacherView(CrossContextSample Sample, Tensor SharedContext, IReadOnlyList<Tensor> Patches);

/// <summary>What one step did, as numbers (for the progress line, the metrics CSV and the report).</summary>
public sealed record StepMetrics(
    long Step, double Total, double SharedContext, double LocalGlobal, double Feature, double Gradient, double Anchor,
    OutputStatistics Student, OutputStatistics Teacher, double GradientNorm, double EncoderLearningRate, double DecoderLearningRate)
{
    /// <summary>Seconds in the student's forward pass and the losses.</summary>
    public double ForwardSeconds { get; init; }

    /// <summary>Seconds in backward, clipping and the optimizer step.</summary>
    public double BackwardSeconds { get; init; }
}

/// <summary>
/// A training step over a student and the teachers' outputs: student forward on the batch, shared-context loss
/// against the teachers' maps resized to the student's output, local-global pairs per view, backward, clipping,
/// poly schedule, AdamW. Everything the step creates lives in one dispose scope; only numbers leave it.
/// Deterministic on CPU for a fixed seed (libtorch's CPU kernels used here are deterministic).
/// </summary>
public sealed class DistillationStep
{
    private readonly nn.Module _student;
    private readonly Func<Tensor, (Tensor Depth, Tensor? Features)> _forward;
    private readonly Func<Tensor, Tensor>? _referenceFeatures;
    private readonly long _featureChannelDim;
    private readonly optim.Optimizer _optimizer;
    private readonly DistillationLoss _loss;
    private readonly OptimizerSettings _settings;
    private readonly long _totalSteps;
    private readonly PatchComparison _comparison;
    private readonly List<TorchSharp.Modules.Parameter> _parameters;
    private readonly List<nn.Module> _batchNorms;

    /// <summary>A student that returns depth only (no feature alignment).</summary>
    public DistillationStep(nn.Module<Tensor, Tensor> student, optim.Optimizer optimizer, DistillationLoss loss,
        OptimizerSettings settings, long totalSteps, PatchComparison comparison = PatchComparison.StudentPixels)
        : this(student, x => (student.forward(x), null), null, -1, optimizer, loss, settings, totalSteps, comparison)
    {
    }

    /// <summary>
    /// A student whose <paramref name="forward"/> also returns encoder features, aligned (L_feat) with those of a
    /// frozen <paramref name="referenceFeatures"/> encoder on the same input (run under no_grad); channels along
    /// <paramref name="featureChannelDim"/>.
    /// </summary>
    public DistillationStep(nn.Module student, Func<Tensor, (Tensor Depth, Tensor? Features)> forward,
        Func<Tensor, Tensor>? referenceFeatures, long featureChannelDim, optim.Optimizer optimizer, DistillationLoss loss,
        OptimizerSettings settings, long totalSteps, PatchComparison comparison = PatchComparison.StudentPixels)
    {
        (_student, _forward, _referenceFeatures, _featureChannelDim) = (student, forward, referenceFeatures, featureChannelDim);
        (_optimizer, _loss, _settings, _totalSteps, _comparison) = (optimizer, loss, settings, totalSteps, comparison);
        _parameters = student.parameters().Where(p => p.requires_grad).ToList();
        _batchNorms = student.modules()
            .Where(m => m is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d or TorchSharp.Modules.BatchNorm3d).ToList();
    }

    /// <summary>
    /// Batch-norm layers keep their pretrained running statistics (eval mode) while their affine parameters train:
    /// a handful of crops per step gives statistics far from the pretrained ones, so in train mode a student that
    /// equals its teacher would start with a large loss and drift.
    /// </summary>
    public bool FreezeBatchNorm { get; init; }

    /// <summary>Steps done so far (the next step's index).</summary>
    public long StepsDone { get; private set; }

    /// <summary>Continues a run from a checkpoint taken after <paramref name="stepsDone"/> steps (the schedule's position).</summary>
    public void ResumeAt(long stepsDone)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepsDone);
        StepsDone = stepsDone;
    }

    /// <summary>
    /// One step on a batch: <paramref name="studentInput"/> [B, 3, S, S] is the views' crops at the student's input
    /// size, <paramref name="views"/> the teachers' outputs for the same B views, in order.
    /// </summary>
    public StepMetrics Run(Tensor studentInput, IReadOnlyList<TeacherView> views)
    {
        if (studentInput.shape[0] != views.Count)
            throw new ArgumentException($"{studentInput.shape[0]} student inputs for {views.Count} teacher views");
        using var scope = NewDisposeScope();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _student.train();
        if (FreezeBatchNorm)
            foreach (var module in _batchNorms) module.eval();
        _optimizer.zero_grad();
        studentInput = TrainingDevice.On(studentInput, _student);
        var (depth, features) = _forward(studentInput);
        Tensor? reference = null;
        if (features is not null && _referenceFeatures is not null)
            using (no_grad()) reference = _referenceFeatures(studentInput);
        var (h, w) = ((int)depth.shape[2], (int)depth.shape[3]);
        // The teachers' maps come from the CPU (cache or teacher network); on the CPU they are used as they are.
        var teacher = cat(views.Select(v => RoiResampler.Resize(TrainingDevice.On(v.SharedContext, depth).to(depth.dtype), h, w)).ToList(), 0);
        var pairs = new List<PatchPair>();
        for (var b = 0; b < views.Count; b++)
            if (views[b].Patches.Count > 0)
                pairs.AddRange(LocalGlobalPairs.Build(depth[b..(b + 1)], views[b].Patches.Select(p => TrainingDevice.On(p, depth)).ToList(), views[b].Sample, _comparison));

        var terms = _loss.Compute(depth, teacher, teacher.isfinite(), pairs,
            reference is null ? null : features, reference, _featureChannelDim);
        var forward = clock.Elapsed.TotalSeconds;
        terms.Total.backward();
        var norm = _settings.GradientClipNorm > 0
            ? nn.utils.clip_grad_norm_(_parameters, _settings.GradientClipNorm)
            : double.NaN;
        _settings.ApplySchedule(_optimizer, StepsDone, _totalSteps);
        _optimizer.step();
        var lrs = _optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
        StepsDone++;
        return new StepMetrics(StepsDone, terms.Total.to(ScalarType.Float64).item<double>(), terms.SharedContext, terms.LocalGlobal,
            terms.Feature, terms.Gradient, terms.Anchor, terms.Student, terms.Teacher, norm, lrs[0], lrs[^1])
        {
            ForwardSeconds = forward,
            BackwardSeconds = clock.Elapsed.TotalSeconds - forward,
        };
    }
}
