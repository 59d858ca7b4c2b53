using System.Globalization;
using DepthNode.Depth;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Tests.Evaluation;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Checkpoints;
using DepthNode.Distill.Training.Config;
using DepthNode.Installation;
using DepthNode.Tests;

namespace DepthNode.Distill.Tests.Training;

/// <summary>
/// Validation against ground truth during training, on real SUN3D frames: the initial FastDepth student (TorchSharp,
/// weights from fastdepth_7.onnx) scores what the ONNX teacher scores in <see cref="GroundTruthReference"/> (no
/// DepthNode code there), ground_truth.csv gets a row per validation and folder and loses the rows after the checkpoint
/// a run resumes from, and bad <c>validation.ground_truth</c> entries are refused with one line naming the key.
/// </summary>
public sealed class GroundTruthValidationTests : IDisposable
{
    private static readonly string Sun3d = SharedData.Path("data", "sun3d_fragment1");
    private static readonly string[] Frames = ["frame-000935", "frame-000960"]; // stride 25 of the 50

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("gt-validation-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Code, string Stdout, string Stderr) Distill(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.RunWith(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The teacher's mean over <see cref="Frames"/> by the independent reference.</summary>
    private static (double AbsRel, double Delta1, double Rmse) Teacher(string align)
    {
        var scores = Frames.Select(f => GroundTruthReference.Sun3d(Sun3d, f, align)).ToList();
        return (scores.Average(s => s.AbsRel), scores.Average(s => s.Delta1), scores.Average(s => s.Rmse));
    }

    /// <summary>TorchSharp's FastDepth equals the ONNX network to ~1e-4 relative, so the means agree to about that.</summary>
    private static void AssertMatchesTeacher(string align, double absRel, double delta1, double rmse)
    {
        var t = Teacher(align);
        Assert.True(Math.Abs(absRel - t.AbsRel) < 5e-4 * t.AbsRel, $"{align} abs_rel {absRel} vs teacher {t.AbsRel}");
        Assert.True(Math.Abs(delta1 - t.Delta1) < 5e-4, $"{align} delta1 {delta1} vs teacher {t.Delta1}");
        Assert.True(Math.Abs(rmse - t.Rmse) < 5e-4 * t.Rmse, $"{align} rmse {rmse} vs teacher {t.Rmse}");
    }

    [Fact]
    public void Score_InitialFastDepthStudent_MatchesTheTeachersNumbersAndStaysInTrainingMode()
    {
        var arch = new FastDepthArchitecture();
        using var student = arch.Load(CheckoutModels.DefaultModelPath);
        student.train();
        var validation = new GroundTruthValidation([new GroundTruthSpec(Sun3d, GroundTruthAlignment.ScaleShift, 25), new GroundTruthSpec(Sun3d, GroundTruthAlignment.None, 25)]);

        var scores = validation.Score(student, arch.Card("student", "student.onnx"), TextWriter.Null);

        Assert.True(student.training);
        Assert.Equal([("sun3d_fragment1", "scale_shift", 2), ("sun3d_fragment1", "none", 2)], scores.Select(s => (s.Dataset, s.Align, s.Frames)));
        foreach (var s in scores) AssertMatchesTeacher(s.Align, s.AbsRel, s.Delta1, s.Rmse);
    }

    private string Config(string name, string groundTruth, string studentArch = "fastdepth")
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
              arch: {studentArch}
              init: {CheckoutModels.DefaultModelPath}
            crop:
              patch_count: 1
            training:
              steps: 2
              batch: 1
              checkpoint_every: 1
              keep_checkpoints: 2
              log_every: 1
            validation:
              every: 1
            {groundTruth}
            """);
        return path;
    }

    [Fact]
    public void Train_WithGroundTruth_RowsPerValidationTeacherNumbersAtStepZeroAndResumeDropsLaterRows()
    {
        var config = Config("run", $"""
              ground_truth:
                - path: {Sun3d}
                  align: scale_shift
                  stride: 25
                - path: {Sun3d}
                  align: none
                  stride: 25
            """);
        var output = Path.Combine(_dir.FullName, "run");

        var run = Distill("train", "--config", config);

        Assert.True(run.Code == 0, run.Stdout + run.Stderr);
        Assert.Contains("ground truth at step 0: sun3d_fragment1 (scale_shift, 2 frames) AbsRel ", run.Stdout);
        Assert.False(File.Exists(Path.Combine(output, "validation.csv"))); // no held-out frames: ground truth only
        var csv = Path.Combine(output, "ground_truth.csv");
        var lines = File.ReadAllLines(csv);
        Assert.Equal("step,dataset,align,frames,abs_rel,delta1,rmse", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["0", "0", "1", "1", "2", "2"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(("sun3d_fragment1", "2"), (r[1], r[3])));
        Assert.Equal(["scale_shift", "none", "scale_shift", "none", "scale_shift", "none"], rows.Select(r => r[2]));
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        foreach (var r in rows.Take(2)) AssertMatchesTeacher(r[2], D(r[4]), D(r[5]), D(r[6]));
        // Training moves the student: its unaligned metres change.
        Assert.NotEqual(rows[1][4], rows[5][4]);

        // As if killed after the last validation but before its checkpoint: resuming from step 1 drops step 2's rows
        // and writes them again, identical (CPU training is deterministic).
        Directory.Delete(TrainingCheckpoint.List(output)[^1].Path, recursive: true);
        File.Delete(Path.Combine(output, "student.onnx"));
        var resumed = Distill("train", "--config", config, "--resume");
        Assert.True(resumed.Code == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("resumed from", resumed.Stdout);
        Assert.Equal(lines, File.ReadAllLines(csv));
    }

    [Theory]
    [InlineData("- align: scale_shift", "validation.ground_truth[0].path is missing")]
    [InlineData("- path: /nonexistent", "validation.ground_truth[0].path /nonexistent: no such folder")]
    [InlineData("- path: @7scenes", "validation.ground_truth[0].path @7scenes: looks like 7-Scenes")]
    [InlineData("- path: @sun3d\n  align: median", "validation.ground_truth[0].align must be one of none, scale, scale_shift, got 'median'")]
    [InlineData("- path: @sun3d\n  stride: 0", "validation.ground_truth[0].stride must be an integer ≥ 1")]
    [InlineData("- path: @sun3d\n  strid: 5", "validation.ground_truth[0].strid is not a known key")]
    [InlineData("- path: @sun3d\n- path: @sun3d\n  align: none", "validation.ground_truth[1].align none scores metres, but the dad-small student outputs RelativeDisparity", "dad-small")]
    public void Train_BadGroundTruthEntry_OneLineNamingTheKey(string entries, string expected, string studentArch = "fastdepth")
    {
        string Resolve(string s) => s.Replace("@7scenes", SharedData.Path("data", "7scenes_redkitchen"), StringComparison.Ordinal).Replace("@sun3d", Sun3d, StringComparison.Ordinal);
        var config = Config("bad", "  ground_truth:\n    " + Resolve(entries).Replace("\n", "\n    ", StringComparison.Ordinal), studentArch);

        var (code, stdout, stderr) = Distill("train", "--config", config);

        Assert.Equal(2, code);
        Assert.Contains(Resolve(expected), stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "bad")), stdout);
    }
}
