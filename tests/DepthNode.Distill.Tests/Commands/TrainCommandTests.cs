using System.Globalization;
using DepthNode.Distill.Checkpoints;
using DepthNode.Distill.Export;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;
using DepthNode.Tests;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Commands;

/// <summary>
/// `depth-distill label` and `train` end to end on real NYU frames: FastDepth student from the real fastdepth_7.onnx,
/// the same network as ONNX teacher through ONNX Runtime. Three steps of batch 1 with one local patch keep it short.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private static readonly string[] ExpectedColumns =
    [
        "step", "epoch", "teacher", "loss", "shared_context", "local_global", "feature", "gradient", "anchor",
        "student_median", "student_mad", "teacher_median", "teacher_mad", "lr_encoder", "lr_decoder", "grad_norm",
        "data_s", "teacher_s", "forward_s", "backward_s", "step_s", "images_per_s",
    ];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("train-command-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Config(string name, int seed = 3, string? labels = null, string extra = "")
    {
        var path = Path.Combine(_dir.FullName, name + ".yaml");
        File.WriteAllText(path, $"""
            seed: {seed}
            output: {Path.Combine(_dir.FullName, name)}
            data:
              folders:
                - path: {SharedData.Path("data", "nyu")}
                  pattern: "rgb_*.jpg"
            teachers:
              - name: fastdepth
                onnx: {CheckoutModels.DefaultModelPath}
            {(labels is null ? "" : $"    labels: {labels}")}
            student:
              arch: fastdepth
              init: {CheckoutModels.DefaultModelPath}
            crop:
              patch_count: 1
            optimizer:
              encoder_lr: 1e-4
              decoder_lr: 1e-3
            training:
              steps: 3
              batch: 1
              checkpoint_every: 2
              log_every: 1
            validation:
              every: 2
              folders:
                - path: {SharedData.Path("data", "7scenes_redkitchen")}
                  pattern: "frame-000000.color.jpg"
            {extra}
            """);
        return path;
    }

    private static (int Code, string Stdout, string Stderr) Distill(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string[][] Rows(string output) =>
        File.ReadAllLines(Path.Combine(output, "metrics.csv")).Skip(1).Select(l => l.Split(',')).ToArray();

    [Fact]
    public void Train_TinyRunThenStopAndResume_SameLossesCheckpointsAndAnExportThatOnnxRuntimeReproduces()
    {
        var a = Config("a");
        var b = Config("b");
        var outA = Path.Combine(_dir.FullName, "a");
        var outB = Path.Combine(_dir.FullName, "b");

        var run = Distill("train", "--config", a);
        Assert.True(run.Code == 0, run.Stdout + run.Stderr);
        Assert.Contains("step 3/3 (100%) loss ", run.Stdout);
        Assert.Equal(ExpectedColumns, File.ReadLines(Path.Combine(outA, "metrics.csv")).First().Split(','));
        var rowsA = Rows(outA);
        Assert.Equal(["1", "2", "3"], rowsA.Select(r => r[0]));
        Assert.All(rowsA, r => Assert.Equal(ExpectedColumns.Length, r.Length));
        Assert.All(rowsA, r => Assert.True(double.IsFinite(double.Parse(r[3], CultureInfo.InvariantCulture)) && double.Parse(r[3], CultureInfo.InvariantCulture) > 0, r[3]));
        // Checkpoints at the interval (2) and the end (3), each complete.
        Assert.Equal([2L, 3L], TrainingCheckpoint.List(outA).Select(c => c.Step));
        foreach (var (_, path) in TrainingCheckpoint.List(outA))
            foreach (var f in new[] { "student.safetensors", "optimizer.bin", "state.json" })
                Assert.True(new FileInfo(Path.Combine(path, f)).Length > 0, f);

        // Validation on a held-out frame: before training the student is the teacher's own network (TorchSharp
        // vs ONNX Runtime), so the SSI L1 is ~0; after the steps it has moved away.
        var validation = File.ReadAllLines(Path.Combine(outA, "validation.csv"));
        Assert.Equal("step,frames,teacher,ssi_l1", validation[0]);
        var scores = validation.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["0", "2", "3"], scores.Select(r => r[0]));
        Assert.All(scores, r => Assert.Equal(("1", "fastdepth"), (r[1], r[2])));
        Assert.True(double.Parse(scores[0][3], CultureInfo.InvariantCulture) < 1e-3, scores[0][3]);
        Assert.True(double.Parse(scores[2][3], CultureInfo.InvariantCulture) > 1e-2, scores[2][3]);

        // Interrupted after step 1, then resumed: the rows (losses to the last bit) equal the uninterrupted run's.
        // Step 3's loss depends on the AdamW moments restored from step 1's checkpoint (step 2's only on the weights).
        var stopped = Distill("train", "--config", b, "--stop-at", "1");
        Assert.True(stopped.Code == 0, stopped.Stdout + stopped.Stderr);
        Assert.Single(Rows(outB));
        Assert.Equal([1L], TrainingCheckpoint.List(outB).Select(c => c.Step));
        Assert.False(File.Exists(Path.Combine(outB, "student.onnx")));
        var again = Distill("train", "--config", b);
        Assert.Equal(1, again.Code);
        Assert.Contains("--resume", again.Stderr);
        var resumed = Distill("train", "--config", b, "--resume");
        Assert.True(resumed.Code == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("resumed from", resumed.Stdout);
        var rowsB = Rows(outB);
        Assert.Equal(rowsA.Select(r => r[3..16]), rowsB.Select(r => r[3..16]));
        Assert.Equal(validation, File.ReadAllLines(Path.Combine(outB, "validation.csv")));

        // The export: the final checkpoint loaded into a fresh TorchSharp FastDepth equals ONNX Runtime on the .onnx,
        // and training moved the network away from its initial weights.
        var onnx = Path.Combine(outA, "student.onnx");
        var card = ModelCard.LoadFor(onnx);
        Assert.Equal(ModelStore.Sha256Hex(onnx), card.Sha256);
        using var net = new FastDepthArchitecture().CreateRandom(99);
        var state = CheckpointFile.Read(Path.Combine(TrainingCheckpoint.List(outA)[^1].Path, "student.safetensors"));
        using (no_grad()) net.load_state_dict(state);
        var images = new[] { SharedData.Path("data", "nyu", "rgb_00000.jpg"), SharedData.Path("data", "nyu", "rgb_00100.jpg") };
        var check = ExportCheck.Run(net, card, images, new TensorSize(224, 224));
        Assert.True(check.RelativeL2 < 1e-5, $"relative L2 {check.RelativeL2}");
        var input = NetworkInputs.Load(images, card.Input, new TensorSize(224, 224));
        using var trained = new OnnxDepthNetwork(card);
        using var original = new OnnxDepthNetwork(ModelCard.LoadFor(CheckoutModels.DefaultModelPath));
        var t = trained.Predict(input).Data;
        var o = original.Predict(input).Data;
        Assert.True(t.Zip(o).Average(p => Math.Abs(p.First - p.Second)) > 1e-3, "the exported student equals the initial network");
        Assert.All(t, v => Assert.True(float.IsFinite(v)));

        // The label cache: labelled once, a run reading it computes the online run's first step exactly;
        // a run whose crops would differ (another seed) is refused with the reason.
        var labels = Path.Combine(_dir.FullName, "fastdepth.labels");
        var c = Config("c", labels: labels);
        var labelled = Distill("label", "--config", c);
        Assert.True(labelled.Code == 0, labelled.Stdout + labelled.Stderr);
        Assert.True(File.Exists(labels));
        var cached = Distill("train", "--config", c, "--stop-at", "1");
        Assert.True(cached.Code == 0, cached.Stdout + cached.Stderr);
        Assert.Contains("3 cached labels", cached.Stdout);
        Assert.Equal(rowsA[0][3..16], Rows(Path.Combine(_dir.FullName, "c"))[0][3..16]);
        var refused = Distill("train", "--config", Config("d", seed: 4, labels: labels));
        Assert.Equal(1, refused.Code);
        Assert.Contains("was made with seed 3, not 4", refused.Stderr);
    }

    [Fact]
    public void Train_DeviceOnTheCpuLibTorch_CudaRefusedNamingTheBuildPropertyAutoLogsTheCpu()
    {
        string Write(string name, string device)
        {
            var path = Path.Combine(_dir.FullName, name + ".yaml");
            File.WriteAllText(path, $"""
                output: {_dir.FullName}/{name}
                data:
                  folders:
                    - path: {SharedData.Path("data", "nyu")}
                      pattern: "rgb_00000.jpg"
                teachers:
                  - onnx: {CheckoutModels.DefaultModelPath}
                student:
                  arch: fastdepth
                  init: {CheckoutModels.DefaultModelPath}
                crop:
                  patch_count: 1
                training:
                  steps: 1
                  batch: 1
                  device: {device}
                """);
            return path;
        }

        var cuda = Distill("train", "--config", Write("cuda", "cuda"));
        Assert.Equal(1, cuda.Code);
        Assert.Equal("depth-distill train: training.device is cuda, but CUDA not available in this libtorch build (libtorch-cpu-linux-x64): build depth-distill with -p:TorchBackend=cuda, or set training.device: auto or cpu\n", cuda.Stderr);

        var auto = Distill("train", "--config", Write("auto", "auto"));
        Assert.True(auto.Code == 0, auto.Stdout + auto.Stderr);
        Assert.Contains("\ndevice: cpu (CUDA not available in this libtorch build)\n", auto.Stdout);
    }

    [Theory]
    [InlineData("training:\n  steps: 3\n  device: gpu", "training.device must be one of auto, cpu, cuda, got 'gpu'")]
    [InlineData("training:\n  steps: 3\n  batch: 0", "training.batch must be an integer from 1 to 256, got '0'")]
    [InlineData("loss:\n  variant: local-only", "loss.variant must be one of hybrid, global-only, no-norm, sc-only, got 'local-only'")]
    [InlineData("loss:\n  gradient_wieght: 2", "loss.gradient_wieght is not a known key")]
    [InlineData("optimizer:\n  encoder_lr: -1", "optimizer.encoder_lr must be a number ≥ 0, got '-1'")]
    [InlineData("crop:\n  patch_count: 5", "crop patch_count 5 > 4 needs placement random")]
    public void Train_BadConfigValue_OneLineNamingTheKey(string section, string expected)
    {
        var path = Path.Combine(_dir.FullName, "bad.yaml");
        var teacher = CheckoutModels.DefaultModelPath;
        var body = $"""
            output: {_dir.FullName}/bad
            data:
              folders:
                - path: {SharedData.Path("data", "nyu")}
            teachers:
              - onnx: {teacher}
            student:
              arch: fastdepth
            """;
        if (!section.StartsWith("training", StringComparison.Ordinal)) body += "\ntraining:\n  steps: 3";
        File.WriteAllText(path, body + "\n" + section + "\n");

        var (code, stdout, stderr) = Distill("train", "--config", path);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "bad")), stdout);
    }
}
