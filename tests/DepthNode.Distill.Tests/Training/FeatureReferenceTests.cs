using System.Globalization;
using DepthNode.Distill.Losses;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Tests.Networks;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Distill.Training.Config;
using DepthNode.Inference;
using DepthNode.Installation;
using DepthNode.Tests;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Training;

/// <summary>
/// Feature alignment (L_feat) wired into training: the real FastDepth student from fastdepth_7.onnx, its frozen
/// reference rebuilt from the same file, real NYU frames with their Kinect depth as the teacher.
/// </summary>
public sealed class FeatureReferenceTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("feature-reference-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Config(string name, string student = "", string optimizer = "encoder_lr: 1e-4\n  decoder_lr: 1e-3", int featureWeight = 1)
    {
        var path = Path.Combine(_dir.FullName, name + ".yaml");
        File.WriteAllText(path, $"""
            seed: 3
            output: {Path.Combine(_dir.FullName, name)}
            data:
              folders:
                - path: {SharedData.Path("data", "nyu")}
                  pattern: "rgb_*.jpg"
            teachers:
              - name: fastdepth
                onnx: {CheckoutModels.DefaultModelPath}
            student:
              arch: fastdepth
              init: {CheckoutModels.DefaultModelPath}
              {student}
            crop:
              patch_count: 1
            loss:
              feature_weight: {featureWeight}
            optimizer:
              {optimizer}
            training:
              steps: 3
              batch: 1
              checkpoint_every: 1
              log_every: 1
            """);
        return path;
    }

    /// <summary>The three NYU frames at 224² and their Kinect disparity (NaN where there is no depth) as the teacher.</summary>
    private static (Tensor Input, List<TeacherView> Views) NyuBatch()
    {
        var card = FastDepthTests.OriginalCard;
        var input = FastDepthTests.NyuBatch(card);
        var sample = new CrossContextSampler(new CrossContextOptions { PatchCount = 0 }, seed: 1).Sample(640, 480);
        var views = new List<TeacherView>();
        foreach (var frame in new[] { "00000", "00050", "00100" })
        {
            using var mm = Cv2.ImRead(SharedData.Path("data", "nyu", $"sync_depth_{frame}.png"), ImreadModes.Unchanged);
            using var small = mm.Resize(new OpenCvSharp.Size(224, 224), 0, 0, InterpolationFlags.Nearest);
            small.GetArray(out ushort[] raw);
            views.Add(new TeacherView(sample, tensor(raw.Select(v => v == 0 ? float.NaN : 1000f / v).ToArray(), [1, 1, 224, 224]), []));
        }
        return (tensor(input.Data, input.Shape), views);
    }

    /// <summary>L_feat written out: per pixel 1 − cos over the channels in float64, pixels under the margin count 0, mean over all pixels.</summary>
    private static double IndependentFeatureLoss(Tensor student, Tensor reference, double margin)
    {
        var (b, c, h, w) = ((int)student.shape[0], (int)student.shape[1], (int)student.shape[2], (int)student.shape[3]);
        var s = student.contiguous().data<float>().ToArray();
        var r = reference.contiguous().data<float>().ToArray();
        double sum = 0;
        for (var n = 0; n < b; n++)
            for (var p = 0; p < h * w; p++)
            {
                double dot = 0, ss = 0, rr = 0;
                for (var k = 0; k < c; k++)
                {
                    var i = (n * c + k) * h * w + p;
                    (dot, ss, rr) = (dot + (double)s[i] * r[i], ss + (double)s[i] * s[i], rr + (double)r[i] * r[i]);
                }
                var distance = 1 - dot / Math.Max(Math.Sqrt(ss) * Math.Sqrt(rr), 1e-8);
                if (distance >= margin) sum += distance;
            }
        return sum / (b * h * w);
    }

    [Fact]
    public void Create_InitReferenceOfFastDepth_ZeroAtStepOneThenEqualsAnIndependentCosineAsTheWeightsMove()
    {
        using var outer = NewDisposeScope();
        var config = TrainConfig.Load(Config("step", optimizer: "encoder_lr: 3e-3\n  decoder_lr: 3e-3"));
        var arch = DepthArchitectures.Find("fastdepth");
        using var student = NetworkWeights.Load(arch, CheckoutModels.DefaultModelPath);
        var log = new List<string>();
        using var reference = FeatureReference.Create(config, arch, student, log.Add) ?? throw new InvalidOperationException("feature alignment is off");
        using var optimizer = config.Optimizer.CreateOptimizer(student, "encoder.");
        var step = new DistillationStep(student, DistillationRun.StudentDisparity(student, DepthOutputKind.MetricDepth, withFeatures: true),
            reference.Features, reference.ChannelDim, optimizer, new DistillationLoss(config.Loss), config.Optimizer, 6) { FreezeBatchNorm = true };
        // The independent reference: the initial network loaded once more, never handed to the code under test.
        using var initial = FastDepthOnnxWeights.Load(CheckoutModels.DefaultModelPath);
        var (input, views) = NyuBatch();

        var rows = new List<(double Expected, double Reported)>();
        for (var i = 0; i < 6; i++)
        {
            double expected;
            using (no_grad())
            {
                student.eval(); // FastDepth has no dropout: eval equals training with frozen batch norm
                using var s = ((FastDepthNet)student).EncoderFeatures(input);
                using var r = initial.EncoderFeatures(input);
                expected = IndependentFeatureLoss(s, r, FeatureAlignmentLoss.DefaultMargin);
            }
            rows.Add((expected, step.Run(input, views).Feature));
        }

        Assert.Equal(["feature alignment: the student's encoder.13 output (MobileNet's last layer, 512 channels at 1/32 of the input) aligned with the same layer of a frozen copy of its initial weights (" + CheckoutModels.DefaultModelPath + "), same input; 1 − cos, margin 0.15, weight 1"], log);
        Assert.Equal(0.0, rows[0].Reported); // the student is its reference: every pixel within the margin
        Assert.Equal(0.0, rows[0].Expected);
        Assert.True(rows[^1].Expected > 1e-3, string.Join("; ", rows));
        Assert.All(rows, r => Assert.Equal(r.Expected, r.Reported, 1e-5));
    }

    [Fact]
    public void Create_OffOrUnfit_OneLineSayingWhy()
    {
        var arch = DepthArchitectures.Find("fastdepth");
        using var student = NetworkWeights.Load(arch, CheckoutModels.DefaultModelPath);
        var log = new List<string>();

        Assert.Null(FeatureReference.Create(TrainConfig.Load(Config("none", student: "feature_reference: none")), arch, student, log.Add));
        Assert.Null(FeatureReference.Create(TrainConfig.Load(Config("zero", featureWeight: 0)), arch, student, log.Add));
        var jpeg = SharedData.Path("data", "nyu", "rgb_00000.jpg");
        var e = Assert.Throws<InvalidDataException>(() => FeatureReference.Create(TrainConfig.Load(Config("jpeg", student: $"feature_reference: {jpeg}")), arch, student, log.Add));

        Assert.Equal(["feature alignment: off (student.feature_reference is none)", "feature alignment: off (loss.feature_weight is 0)"], log);
        Assert.StartsWith($"student.feature_reference {jpeg}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("feature_reference: dinov2")]
    [InlineData("feature_reference: /nonexistent/encoder.safetensors")]
    public void Load_FeatureReferenceNeitherKeywordNorFile_OneLineNamingTheKey(string line)
    {
        var path = Config("bad", student: line);
        var o = new StringWriter();
        var e = new StringWriter();

        var code = Program.RunWith(["train", "--config", path], o, e);

        Assert.Equal(2, code);
        Assert.Contains($"student.feature_reference must be init, none or an existing weights file or checkpoint folder of the student's arch, got '{line["feature_reference: ".Length..]}'", e.ToString());
        Assert.Single(e.ToString().Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "bad")));
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

    private static double Column(string[] row, int i) => double.Parse(row[i], CultureInfo.InvariantCulture);

    [Fact]
    public void Train_FeatureWeightOneAgainstNone_FeatureTermActsAndResumeStaysExact()
    {
        const string Lr = "encoder_lr: 3e-3\n  decoder_lr: 3e-3";
        var on = Distill("train", "--config", Config("on", optimizer: Lr));
        var off = Distill("train", "--config", Config("off", optimizer: Lr, student: "feature_reference: none"));
        var resumedConfig = Config("resumed", optimizer: Lr);
        var stopped = Distill("train", "--config", resumedConfig, "--stop-at", "2");
        var resumed = Distill("train", "--config", resumedConfig, "--resume");

        foreach (var r in new[] { on, off, stopped, resumed }) Assert.True(r.Code == 0, r.Stdout + r.Stderr);
        Assert.Contains("feature alignment: the student's encoder.13 output", on.Stdout);
        Assert.Contains("feature alignment: off (student.feature_reference is none)", off.Stdout);
        var rowsOn = Rows(Path.Combine(_dir.FullName, "on"));
        var rowsOff = Rows(Path.Combine(_dir.FullName, "off"));
        const int Loss = 3, Feature = 6;
        // Step 1: student = reference, so the runs agree to the bit; then the term pulls the encoder back.
        Assert.Equal(0.0, Column(rowsOn[0], Feature));
        Assert.Equal(rowsOff[0][3..16], rowsOn[0][3..16]);
        Assert.True(Column(rowsOn[^1], Feature) > 0, rowsOn[^1][Feature]);
        Assert.All(rowsOff, r => Assert.Equal(0.0, Column(r, Feature)));
        Assert.NotEqual(Column(rowsOff[^1], Loss), Column(rowsOn[^1], Loss));
        // The reference is rebuilt from init on resume, not saved: the resumed run's rows equal the uninterrupted one's.
        Assert.Contains("resumed from", resumed.Stdout);
        Assert.Equal(rowsOn.Select(r => r[3..16]), Rows(Path.Combine(_dir.FullName, "resumed")).Select(r => r[3..16]));
    }
}
