using System.Security.Cryptography;
using System.Text;
using DepthNode.CommandLine;
using DepthNode.Depth;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Losses;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Teachers;
using DepthNode.Evaluation;
using DepthNode.Inference;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Distill.Training.Config;

/// <summary>
/// The student: an architecture, the weights it starts from, which parameters form its encoder, its square input
/// side (0 = the architecture's own) and whether batch-norm layers keep their pretrained statistics.
/// <see cref="FeatureReference"/>: the frozen encoder L_feat aligns with (<c>init</c>, <c>none</c> or a weights path;
/// null = <c>init</c> when the loss weighs features).
/// </summary>
public sealed record StudentSpec(string Arch, string? Init, string EncoderPrefix, int InputSize = 0, bool FreezeBatchNorm = true,
    string? FeatureReference = null);

/// <summary>Held-out frames scored against the primary teacher, and ground-truth folders scored with `eval`'s code,
/// every <see cref="Every"/> steps.</summary>
public sealed record ValidationSpec(int Every, IReadOnlyList<BagFrames> Bags, IReadOnlyList<FolderFrames> Folders, IReadOnlyList<GroundTruthSpec> GroundTruth);

/// <summary>A ground-truth folder (an `eval` layout: SUN3D, NYU, KITTI) scored at every validation, every
/// <see cref="Stride"/>-th frame, with <see cref="Align"/>.</summary>
public sealed record GroundTruthSpec(string Path, GroundTruthAlignment Align, int Stride);

/// <summary>Run length, batch, checkpointing, logging and the device.</summary>
public sealed record RunSpec(long Steps, int Batch, int CheckpointEvery, int KeepCheckpoints, int LogEvery, DevicePreference Device = DevicePreference.Auto);

/// <summary>
/// A `depth-distill train` / `label` configuration (YAML). Paths are relative to the working directory. See
/// config/distill/*.yaml for the keys; every value is checked here and a bad one is one line naming the key.
/// </summary>
public sealed record TrainConfig(
    string File,
    string Sha256,
    int Seed,
    string Output,
    IReadOnlyList<BagFrames> Bags,
    IReadOnlyList<FolderFrames> Folders,
    int ViewsPerFrame,
    IReadOnlyList<TeacherSpec> Teachers,
    StudentSpec Student,
    CrossContextOptions Geometry,
    PatchComparison Comparison,
    DistillationLossOptions Loss,
    OptimizerSettings Optimizer,
    RunSpec Run,
    ValidationSpec? Validation = null)
{
    private static readonly (string, DepthNormalization)[] Normalizations =
        [("hybrid", DepthNormalization.Hybrid), ("global", DepthNormalization.Global), ("local", DepthNormalization.Local), ("none", DepthNormalization.None)];

    public static TrainConfig Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"config {path} does not exist", path);
        var text = System.IO.File.ReadAllText(path);
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e) { throw new ConfigException(path, $"line {e.Start.Line}", $"is not valid YAML ({e.Message})"); }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException(path, "(top level)", "must be one YAML mapping");
        return Parse(new ConfigSection(path, "", root), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }

    private static List<GroundTruthSpec> GroundTruth(ConfigSection validation, DepthArchitecture student) =>
        validation.List("ground_truth").Select(g =>
        {
            var path = g.RequiredString("path", "a folder with depth ground truth in an `eval` layout: SUN3D, NYU or KITTI");
            // The layout is checked now, not at the first validation minutes into the run.
            try { EvalDataset.Detect(path, $"{g.Path}.path"); }
            catch (CliException e) { throw new ConfigException(g.File, $"{g.Path}.path", e.Message[(e.Message.IndexOf(' ') + 1)..]); }
            var align = g.Choice("align", GroundTruthAlignment.ScaleShift,
                ("none", GroundTruthAlignment.None), ("scale", GroundTruthAlignment.Scale),
                ("scale_shift", GroundTruthAlignment.ScaleShift));
            var kind = student.Card("student", "student.onnx").Output.Kind;
            if (align == GroundTruthAlignment.None && kind != DepthOutputKind.MetricDepth)
                throw new ConfigException(g.File, $"{g.Path}.align", $"none scores metres, but the {student.Name} student outputs {kind}; use scale or scale_shift");
            var spec = new GroundTruthSpec(path, align, g.Int("stride", 1, 1, meaning: "every N-th frame"));
            g.EnsureAllUsed();
            return spec;
        }).ToList();

    private static (List<BagFrames>, List<FolderFrames>) Frames(ConfigSection data)
    {
        var file = data.File;
        var bags = data.List("bags").Select(b =>
        {
            var start = b.Double("start", 0, 0);
            var end = b.Double("end", 0, 0);
            if (end != 0 && end <= start) throw new ConfigException(file, $"{b.Path}.end", $"({end}) must be after start ({start}) or 0 (to the end)");
            var bag = new BagFrames(b.RequiredString("path", "a bag folder, .mcap or .db3"), b.RequiredString("topic", "an Image or CompressedImage topic"),
                start, end, b.Int("stride", 1, 1));
            b.EnsureAllUsed();
            return bag;
        }).ToList();
        var folders = data.List("folders").Select(f =>
        {
            var folder = new FolderFrames(f.RequiredString("path", "a folder of .jpg/.png images"), f.String("pattern"), f.Int("stride", 1, 1));
            f.EnsureAllUsed();
            return folder;
        }).ToList();
        return (bags, folders);
    }

    private static TrainConfig Parse(ConfigSection root, string sha)
    {
        var file = root.File;
        var seed = root.Int("seed", 0, 0);
        var output = root.RequiredString("output", "the run's folder: checkpoints, metrics.csv, student.onnx");

        var data = root.Section("data") ?? throw new ConfigException(file, "data", "is missing (bags and/or folders)");
        var (bags, folders) = Frames(data);
        if (bags.Count + folders.Count == 0) throw new ConfigException(file, "data", "needs at least one entry under bags or folders");
        var views = data.Int("views_per_frame", 1, 1, 64, "crops drawn per frame; epoch e uses view e mod N");
        data.EnsureAllUsed();

        var teachers = root.List("teachers").Select((t, i) =>
        {
            var onnx = t.String("onnx");
            var arch = t.String("arch");
            var weights = t.String("weights");
            if ((onnx is null) == (arch is null)) throw new ConfigException(file, t.Path, "needs exactly one of onnx (a .onnx or its model card) or arch (+ weights)");
            if (arch is not null)
            {
                if (!DepthArchitectures.All.Any(a => a.Name == arch))
                    throw new ConfigException(file, $"{t.Path}.arch", $"must be one of {string.Join(", ", DepthArchitectures.All.Select(a => a.Name))}, got '{arch}'");
                if (weights is null) throw new ConfigException(file, $"{t.Path}.weights", "is missing (the teacher's weights file)");
            }
            else if (weights is not null) throw new ConfigException(file, $"{t.Path}.weights", "belongs to an arch teacher; an onnx teacher's weights are its .onnx");
            var name = t.String("name") ?? System.IO.Path.GetFileNameWithoutExtension(onnx ?? weights!);
            var spec = new TeacherSpec(name, t.Double("weight", 1, 0), onnx, arch, weights, t.String("labels"),
                t.Choice("provider", false, ("cpu", false), ("cuda", true)));
            t.EnsureAllUsed();
            return spec;
        }).ToList();
        if (teachers.Count == 0) throw new ConfigException(file, "teachers", "needs at least one teacher");
        if (teachers.Sum(t => t.Weight) <= 0) throw new ConfigException(file, "teachers", "weights are all 0");
        if (teachers.Select(t => t.Name).Distinct().Count() != teachers.Count) throw new ConfigException(file, "teachers", "names must differ");

        var s = root.Section("student") ?? throw new ConfigException(file, "student", "is missing (arch and init)");
        var studentArch = s.RequiredString("arch", $"one of {string.Join(", ", DepthArchitectures.All.Select(a => a.Name))}");
        if (!DepthArchitectures.All.Any(a => a.Name == studentArch))
            throw new ConfigException(file, "student.arch", $"must be one of {string.Join(", ", DepthArchitectures.All.Select(a => a.Name))}, got '{studentArch}'");
        var inputSize = s.Int("input_size", 0, 0, 4096, "0 = the architecture's own input size");
        if (inputSize > 0)
        {
            try { DepthArchitectures.Find(studentArch).WithInputSide(inputSize); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException) { throw new ConfigException(file, "student.input_size", e.Message); }
        }
        var student = new StudentSpec(studentArch, s.String("init"), s.String("encoder_prefix") ?? "encoder.", inputSize,
            s.Choice("batch_norm", true, ("frozen", true), ("train", false)));
        var featureReference = s.String("feature_reference");
        if (featureReference is not (null or "init" or "none") && !System.IO.File.Exists(featureReference) && !Directory.Exists(featureReference))
            throw new ConfigException(file, "student.feature_reference", $"must be init, none or an existing weights file or checkpoint folder of the student's arch, got '{featureReference}'");
        student = student with { FeatureReference = featureReference };
        s.EnsureAllUsed();

        var c = root.Section("crop");
        var geometry = new CrossContextOptions();
        var comparison = PatchComparison.StudentPixels;
        if (c is not null)
        {
            geometry = new CrossContextOptions
            {
                CropSideMin = c.Int("side_min", geometry.CropSideMin, 1),
                CropSideMax = c.Int("side_max", 0, 0, int.MaxValue, "0 = the frame's short side"),
                PatchSide = c.Int("patch_side", geometry.PatchSide, 1),
                PatchCount = c.Int("patch_count", geometry.PatchCount, 0),
                Placement = c.Choice("placement", PatchPlacement.Corners, ("corners", PatchPlacement.Corners), ("random", PatchPlacement.Random)),
            };
            comparison = c.Choice("patch_comparison", comparison, ("student_pixels", PatchComparison.StudentPixels), ("teacher_pixels", PatchComparison.TeacherPixels));
            c.EnsureAllUsed();
        }

        var l = root.Section("loss");
        var loss = new DistillationLossOptions();
        if (l is not null)
        {
            // The ablation variants of the method document, then explicit keys on top.
            var variant = l.Choice("variant", "hybrid", ("hybrid", "hybrid"), ("global-only", "global-only"), ("no-norm", "no-norm"), ("sc-only", "sc-only"));
            var (scNorm, lgNorm, lgWeight) = variant switch
            {
                "global-only" => (DepthNormalization.Global, DepthNormalization.Global, loss.LocalGlobalWeight),
                "no-norm" => (DepthNormalization.None, DepthNormalization.None, loss.LocalGlobalWeight),
                "sc-only" => (DepthNormalization.Hybrid, DepthNormalization.Hybrid, 0.0),
                _ => (DepthNormalization.Hybrid, DepthNormalization.Hybrid, loss.LocalGlobalWeight),
            };
            if (variant == "sc-only") geometry = geometry with { PatchCount = 0 };
            loss = new DistillationLossOptions
            {
                SharedContextWeight = l.Double("shared_context_weight", loss.SharedContextWeight, 0),
                LocalGlobalWeight = l.Double("local_global_weight", lgWeight, 0),
                FeatureWeight = l.Double("feature_weight", loss.FeatureWeight, 0),
                GradientWeight = l.Double("gradient_weight", loss.GradientWeight, 0),
                AnchorWeight = l.Double("anchor_weight", loss.AnchorWeight, 0),
                SharedContextNormalization = l.Choice("shared_context_normalization", scNorm, Normalizations),
                LocalGlobalNormalization = l.Choice("local_global_normalization", lgNorm, Normalizations),
                GradientScales = l.Int("gradient_scales", loss.GradientScales, 1, 8),
                FeatureMargin = l.Double("feature_margin", loss.FeatureMargin, 0, 2, maxExclusive: true),
            };
            l.EnsureAllUsed();
        }
        if (geometry.Validate() is { } g) throw new ConfigException(file, "crop", g);

        var o = root.Section("optimizer");
        var optimizer = new OptimizerSettings();
        if (o is not null)
        {
            optimizer = new OptimizerSettings
            {
                EncoderLearningRate = o.Double("encoder_lr", optimizer.EncoderLearningRate, 0),
                DecoderLearningRate = o.Double("decoder_lr", optimizer.DecoderLearningRate, 0),
                WeightDecay = o.Double("weight_decay", optimizer.WeightDecay, 0),
                Beta1 = o.Double("beta1", optimizer.Beta1, 0, 1, maxExclusive: true),
                Beta2 = o.Double("beta2", optimizer.Beta2, 0, 1, maxExclusive: true),
                PolyPower = o.Double("poly_power", optimizer.PolyPower, 0),
                GradientClipNorm = o.Double("grad_clip", optimizer.GradientClipNorm, 0),
            };
            o.EnsureAllUsed();
        }

        var r = root.Section("training") ?? throw new ConfigException(file, "training", "is missing (steps at least)");
        var run = new RunSpec(r.Long("steps", 0, 1), r.Int("batch", 4, 1, 256), r.Int("checkpoint_every", 100, 1),
            r.Int("keep_checkpoints", 2, 1), r.Int("log_every", 10, 1),
            r.Choice("device", DevicePreference.Auto, ("auto", DevicePreference.Auto), ("cpu", DevicePreference.Cpu), ("cuda", DevicePreference.Cuda)));
        if (!r.Has("steps")) throw new ConfigException(file, "training.steps", "is missing (the number of optimizer steps)");
        r.EnsureAllUsed();

        ValidationSpec? validation = null;
        if (root.Section("validation") is { } v)
        {
            var every = v.Int("every", 100, 1);
            var (vb, vf) = Frames(v);
            var gt = GroundTruth(v, DepthArchitectures.Find(studentArch));
            if (vb.Count + vf.Count + gt.Count == 0) throw new ConfigException(file, "validation", "needs held-out frames under bags or folders, or ground_truth folders");
            v.EnsureAllUsed();
            validation = new ValidationSpec(every, vb, vf, gt);
        }
        root.EnsureAllUsed();
        return new TrainConfig(file, sha, seed, output, bags, folders, views, teachers, student, geometry, comparison, loss, optimizer, run, validation);
    }
}
