using System.Diagnostics;
using System.Globalization;
using DepthNode.Distill.Export;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Losses;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Teachers;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Distill.Training.Config;
using DepthNode.Distill.Training.Labels;
using DepthNode.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary>How a training run ended.</summary>
public sealed record TrainResult(long Step, bool Finished, string? Checkpoint, ExportResult? Export, double LastLoss);

/// <summary>
/// `depth-distill train`: the frames, the teachers (their label caches when present, else online), the student and
/// its AdamW, and the loop over <see cref="DistillationStep"/> with checkpoints, the metrics CSV, the progress line
/// and, at the end, the student exported as ONNX + model card.
/// </summary>
/// <remarks>
/// Step s trains on the frames at positions s·B … s·B + B − 1 of the endless sequence of epochs (epoch e is the
/// permutation <see cref="FrameSet.EpochOrder"/>(seed, e)), view e mod V of each frame (its crop drawn from (seed,
/// frame, view), the same crops `label` caches), with the teacher drawn by the seeded <see cref="TeacherSampler"/>.
/// So a checkpoint needs only the step to resume exactly.
/// </remarks>
public sealed class DistillationRun : IDisposable
{
    private readonly TrainConfig _config;
    private readonly TextWriter _log;
    private readonly FrameSet _frames;
    private readonly List<Teacher> _teachers = [];
    private readonly List<LabelCache?> _caches = [];
    private readonly string _geometry;
    private (long Epoch, int[] Order) _epoch = (-1, []);

    public DistillationRun(TrainConfig config, TextWriter log)
    {
        (_config, _log) = (config, log);
        _geometry = LabelCacheIdentity.DescribeGeometry(config.Geometry);
        _frames = FrameSet.Open(config.Bags, config.Folders);
        try
        {
            foreach (var spec in config.Teachers) _teachers.Add(Teacher.Load(spec, log.WriteLine));
        }
        catch
        {
            Dispose();
            throw;
        }
        log.WriteLine($"data: {_frames.Count} frames, {config.ViewsPerFrame} view(s) per frame; crops {_geometry}");
    }

    public IReadOnlyList<Teacher> Teachers => _teachers;
    public FrameSet Frames => _frames;

    /// <summary>The label cache of a teacher: its <c>labels</c> path, else <c>&lt;output&gt;/labels/&lt;name&gt;.labels</c>.</summary>
    public static string CachePath(TrainConfig config, TeacherSpec teacher) =>
        teacher.Labels ?? Path.Combine(config.Output, "labels", teacher.Name + ".labels");

    public LabelCacheIdentity Identity(Teacher teacher) => teacher.Identity(_geometry, _config.Seed, _config.ViewsPerFrame);

    /// <summary>`depth-distill label`: writes one teacher's labels of the shard's frames (the whole cache for 0/1).</summary>
    public string Label(Teacher teacher, ShardSpec shard)
    {
        var cache = CachePath(_config, teacher.Spec);
        var path = shard == ShardSpec.Whole ? cache : ShardPath(cache, shard);
        LabelShardBuilder.Write(path, new TeacherLabelSource(_frames, teacher), shard, Identity(teacher), _config.Geometry);
        return path;
    }

    public static string ShardPath(string cache, ShardSpec shard) => $"{cache}.shard-{shard.Index}-of-{shard.Count}";

    /// <summary>Merges the N shards of every teacher's cache that has them into the cache itself.</summary>
    public static IReadOnlyList<string> MergeShards(TrainConfig config)
    {
        var merged = new List<string>();
        foreach (var t in config.Teachers)
        {
            var cache = CachePath(config, t);
            var shards = ShardFiles(cache);
            if (shards.Count == 0) continue;
            LabelShards.Merge(shards, cache);
            merged.Add(cache);
        }
        return merged;
    }

    /// <summary>The complete label shards (<see cref="ShardPath"/>) beside a cache, in name order.</summary>
    public static IReadOnlyList<string> ShardFiles(string cache)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(cache))!;
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, Path.GetFileName(cache) + ".shard-*-of-*")
            .Where(p => !p.EndsWith(".partial", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    private int[] Order(long epoch)
    {
        if (_epoch.Epoch != epoch) _epoch = (epoch, FrameSet.EpochOrder(_frames.Count, _config.Seed, epoch));
        return _epoch.Order;
    }

    /// <summary>
    /// Trains from the start or, with <paramref name="resume"/>, from the newest checkpoint; stops after the
    /// configured steps, at <paramref name="stopAt"/> or when <paramref name="stopRequested"/> turns true (Ctrl-C),
    /// each time after finishing the step in flight and saving a checkpoint.
    /// </summary>
    public TrainResult Train(bool resume, long? stopAt, Func<bool> stopRequested)
    {
        var config = _config;
        var run = config.Run;
        Directory.CreateDirectory(config.Output);
        var checkpoints = TrainingCheckpoint.List(config.Output);
        if (!resume && checkpoints.Count > 0)
            throw new InvalidOperationException($"{config.Output} already holds checkpoints up to step {checkpoints[^1].Step}; --resume continues that run, or choose another output");

        for (var i = 0; i < _teachers.Count; i++)
        {
            var cache = CachePath(config, _teachers[i].Spec);
            if (File.Exists(cache))
            {
                _caches.Add(LabelCache.Open(cache, Identity(_teachers[i])));
                _log.WriteLine($"teacher {_teachers[i].Name}: {_caches[i]!.Count} cached labels from {cache}");
            }
            else if (ShardFiles(cache) is { Count: > 0 } shards)
            {
                // A job array's shards without the merge step: labelling them all again online would waste the array.
                throw new InvalidOperationException($"teacher {_teachers[i].Name}: {shards.Count} label shard(s) beside {cache} but no merged cache; `depth-distill label --config {config.File} --merge` joins them");
            }
            else
            {
                _caches.Add(null);
                _log.WriteLine($"teacher {_teachers[i].Name}: no label cache at {cache}; labelling online");
            }
        }

        var arch = DepthArchitectures.Find(config.Student.Arch);
        if (config.Student.InputSize > 0) arch = arch.WithInputSide(config.Student.InputSize);
        using var student = config.Student.Init is { } init ? NetworkWeights.Load(arch, init) : arch.CreateRandom(config.Seed);
        if (config.Student.Init is null) _log.WriteLine($"WARNING: student.init is not set: the {arch.Name} student starts from SEEDED RANDOM weights");
        var device = TrainingDevice.Choose(run.Device, CudaSupport.Probe());
        _log.WriteLine(device.LogLine);
        device.Place(student);
        var studentCard = arch.Card("student", "student.onnx");
        using var optimizer = config.Optimizer.CreateOptimizer(student, config.Student.EncoderPrefix);
        using var reference = FeatureReference.Create(config, arch, student, _log.WriteLine);
        var step = new DistillationStep(student, StudentDisparity(student, studentCard.Output.Kind, reference is not null), reference is null ? null : reference.Features, reference?.ChannelDim ?? -1, optimizer,
            new DistillationLoss(config.Loss), config.Optimizer, run.Steps, config.Comparison) { FreezeBatchNorm = config.Student.FreezeBatchNorm };
        _log.WriteLine($"student: {arch.Description}; batch norm {(config.Student.FreezeBatchNorm ? "frozen (pretrained statistics)" : "training (batch statistics)")}");
        var sampler = new TeacherSampler(config.Teachers.Select(t => t.Weight).ToList(), config.Seed);

        long start = 0;
        if (resume && checkpoints.Count > 0)
        {
            var (_, latest) = checkpoints[^1];
            var state = TrainingCheckpoint.ReadState(latest);
            if (state.ConfigSha256 != config.Sha256)
                throw new InvalidOperationException($"checkpoint {latest} was made with another config (sha256 {state.ConfigSha256[..12]}…, now {config.Sha256[..12]}…); resume with the same config or choose another output");
            TrainingCheckpoint.Restore(latest, student, optimizer);
            for (var d = 0; d < state.TeacherDraws; d++) sampler.Next();
            step.ResumeAt(state.Step);
            start = state.Step;
            _log.WriteLine($"resumed from {latest} at step {start}");
        }
        else if (resume) _log.WriteLine($"--resume: no checkpoint in {TrainingCheckpoint.Folder(config.Output)}; starting at step 0");

        using var metrics = MetricsLog.Open(Path.Combine(config.Output, "metrics.csv"), start);
        var forward = StudentDisparity(student, studentCard.Output.Kind);
        var validationCsv = Path.Combine(config.Output, "validation.csv");
        HeldOutValidation? validation = null;
        var groundTruthCsv = Path.Combine(config.Output, "ground_truth.csv");
        GroundTruthValidation? groundTruth = null;
        if (config.Validation is { } v)
        {
            if (v.Bags.Count + v.Folders.Count > 0)
            {
                // The primary teacher (largest weight) labels the held-out frames once.
                var primary = _teachers.MaxBy(t => t.Spec.Weight)!;
                using (var heldOut = FrameSet.Open(v.Bags, v.Folders)) validation = new HeldOutValidation(heldOut, primary, studentCard.Input);
                HeldOutValidation.TruncateAfter(validationCsv, start);
            }
            if (v.GroundTruth.Count > 0)
            {
                groundTruth = new GroundTruthValidation(v.GroundTruth);
                HeldOutValidation.TruncateAfter(groundTruthCsv, start);
            }
            if (start == 0) Validate(0);
        }
        void Validate(long at)
        {
            if (validation is not null)
            {
                var score = validation.Score(student, forward);
                HeldOutValidation.Append(validationCsv, at, validation.Count, validation.TeacherName, score);
                _log.WriteLine(FormattableString.Invariant($"validation at step {at}: SSI L1 {score:F4} against {validation.TeacherName} on {validation.Count} held-out frames"));
            }
            if (groundTruth is not null)
            {
                var scores = groundTruth.Score(student, studentCard, _log);
                GroundTruthValidation.Append(groundTruthCsv, at, scores);
                foreach (var g in scores)
                    _log.WriteLine(FormattableString.Invariant($"ground truth at step {at}: {g.Dataset} ({g.Align}, {g.Frames} frames) AbsRel {g.AbsRel:F4} δ1 {g.Delta1:F4} RMSE {g.Rmse:F4}"));
            }
        }
        var clock = Stopwatch.StartNew();
        var lastSaved = start;
        string? checkpoint = null;
        double lastLoss = double.NaN;
        var rateWindow = (Steps: 0L, Seconds: 0.0);
        CheckpointState State(long s) => new(s, config.Seed, s, config.Sha256);

        for (var s = start; s < run.Steps; s++)
        {
            var stepClock = Stopwatch.StartNew();
            var t = sampler.Next();
            var teacher = _teachers[t];
            double dataSeconds = 0, teacherSeconds = 0;
            var epoch = s * run.Batch / _frames.Count;
            StepMetrics m;
            using (var scope = NewDisposeScope())
            {
                var inputs = new List<Tensor>(run.Batch);
                var views = new List<TeacherView>(run.Batch);
                for (var b = 0; b < run.Batch; b++)
                {
                    var sw = Stopwatch.StartNew();
                    var position = s * run.Batch + b;
                    var e = position / _frames.Count;
                    var f = Order(e)[(int)(position % _frames.Count)];
                    var view = (int)(e % config.ViewsPerFrame);
                    var frame = _frames.Load(f);
                    dataSeconds += sw.Elapsed.TotalSeconds;
                    sw.Restart();
                    var (sample, maps) = Labels(t, f, view, frame);
                    teacherSeconds += sw.Elapsed.TotalSeconds;
                    sw.Restart();
                    var size = studentCard.Input.Size.Choose(sample.Crop.Side, sample.Crop.Side);
                    var input = frame.Batch([sample.Crop], studentCard.Input, size);
                    inputs.Add(torch.tensor(input.Data, input.Shape));
                    views.Add(new TeacherView(sample, Map(maps[0]), maps.Skip(1).Select(Map).ToList()));
                    dataSeconds += sw.Elapsed.TotalSeconds;
                }
                m = step.Run(cat(inputs, 0), views);
            }
            var stepSeconds = stepClock.Elapsed.TotalSeconds;
            lastLoss = m.Total;
            metrics.Add(new StepRecord(m, epoch, teacher.Name, run.Batch, dataSeconds, teacherSeconds, stepSeconds));
            rateWindow = (rateWindow.Steps + 1, rateWindow.Seconds + stepSeconds);
            if (!double.IsFinite(m.Total))
                throw new InvalidOperationException($"step {m.Step}: the loss is {m.Total} (teacher {teacher.Name}); lower the learning rates or check the teacher's outputs");

            var done = m.Step;
            var stop = stopRequested() || done == stopAt;
            if (done % run.LogEvery == 0 || done == run.Steps || stop)
            {
                var rate = rateWindow.Seconds > 0 ? rateWindow.Steps * run.Batch / rateWindow.Seconds : 0;
                var eta = TimeSpan.FromSeconds(rate > 0 ? (run.Steps - done) * run.Batch / rate : 0);
                _log.WriteLine(FormattableString.Invariant(
                    $"step {done}/{run.Steps} ({100.0 * done / run.Steps:F0}%) loss {m.Total:F4} (sc {m.SharedContext:F4} lg {m.LocalGlobal:F4} feat {m.Feature:F4} grad {m.Gradient:F4} anchor {m.Anchor:F4}) teacher {teacher.Name} | {rate:F2} img/s | ETA {eta:hh\\:mm\\:ss}"));
                rateWindow = (0, 0);
            }
            if (config.Validation is { } due && (done % due.Every == 0 || done == run.Steps)) Validate(done);
            if (done % run.CheckpointEvery == 0 || done == run.Steps || stop)
            {
                checkpoint = TrainingCheckpoint.Save(config.Output, student, optimizer, State(done), run.KeepCheckpoints);
                lastSaved = done;
                _log.WriteLine($"checkpoint {checkpoint}");
            }
            if (stop && done < run.Steps)
            {
                _log.WriteLine($"stopped after step {done} ({(done == stopAt ? "--stop-at" : "interrupted")}); `depth-distill train --config {config.File} --resume` continues");
                return new TrainResult(done, false, checkpoint, null, lastLoss);
            }
        }

        if (!device.IsCpu) student.to(CPU); // the exporter checks the graph against a CPU forward
        var onnx = Path.Combine(config.Output, "student.onnx");
        var export = DepthNetworkExporter.Export(arch, student, onnx, OnnxPrecision.Float32,
            [$"distilled by depth-distill train --config {config.File} (sha256 {config.Sha256[..12]}…), {run.Steps} steps, seed {config.Seed}",
             $"teachers: {string.Join(", ", config.Teachers.Select(t => $"{t.Name} ({t.Weight.ToString(CultureInfo.InvariantCulture)})"))}",
             $"student init: {config.Student.Init ?? "seeded random"}"]);
        _log.WriteLine($"wrote {export.OnnxPath} and {export.CardPath} in {clock.Elapsed.TotalSeconds:F1} s of training; run it with `depthnode run --model {export.OnnxPath}`");
        Reports.RunReport.AfterTraining(config, _log);
        return new TrainResult(run.Steps, true, checkpoint ?? (lastSaved > 0 ? TrainingCheckpoint.List(config.Output)[^1].Path : null), export, lastLoss);
    }

    /// <summary>Smallest depth the student's output is inverted at (its ReLU head can give 0).</summary>
    public const double MinStudentDepth = 1e-2;

    /// <summary>
    /// The student's forward as disparity, like the teachers' labels: a depth-output student (FastDepth, metres) is
    /// inverted (depth clamped at <see cref="MinStudentDepth"/>) so it keeps its own output kind, which its export declares.
    /// With <paramref name="withFeatures"/>, a student with an encoder (<see cref="IEncoderFeatures"/>) also returns its features.
    /// </summary>
    public static Func<Tensor, (Tensor Depth, Tensor? Features)> StudentDisparity(nn.Module<Tensor, Tensor> student, DepthOutputKind kind, bool withFeatures = false)
    {
        Func<Tensor, (Tensor Depth, Tensor? Features)> run = withFeatures && student is IEncoderFeatures encoder
            ? x => encoder.ForwardWithFeatures(x)
            : x => (student.forward(x), null);
        return kind == DepthOutputKind.RelativeDisparity
            ? run
            : x =>
            {
                // An explicit scalar: an implicit double → Scalar temporary can be finalised during the native call.
                using var min = MinStudentDepth.ToScalar();
                var (depth, features) = run(x);
                return (depth.clamp_min(min).reciprocal(), features);
            };
    }

    private static Tensor Map(LabelMap map) => torch.tensor(map.Values, [1, 1, map.Height, map.Width]);

    /// <summary>A teacher's view of a frame: from its cache when it has one, else computed now.</summary>
    private (CrossContextSample Sample, IReadOnlyList<LabelMap> Maps) Labels(int teacher, int frameIndex, int view, RgbFrame frame)
    {
        var key = _frames.Keys[frameIndex];
        if (_caches[teacher] is { } cache)
        {
            if (!cache.TryGet(key, view, out var label))
                throw new InvalidDataException($"label cache of teacher {_teachers[teacher].Name} has no labels for {key} view {view}; the data selection changed since `depth-distill label`: relabel");
            return (label.Sample, label.Maps);
        }
        var sample = new CrossContextSampler(_config.Geometry, LabelShardBuilder.ViewSeed(_config.Seed, frameIndex, view)).Sample(frame.Width, frame.Height);
        return (sample, _teachers[teacher].Label(frame, sample));
    }

    public void Dispose()
    {
        foreach (var c in _caches) c?.Dispose();
        foreach (var t in _teachers) t.Dispose();
        _frames.Dispose();
    }
}
