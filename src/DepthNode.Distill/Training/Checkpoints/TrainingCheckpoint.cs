using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DepthNode.Distill.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training.Checkpoints;

/// <summary>
/// What a checkpoint restores besides the tensors: the step reached and the random state. Every random choice of a
/// run (teacher per step, frame order per epoch, crops per frame and view) is drawn from generators seeded by
/// (seed, epoch / frame / view) or replayed from the seed (<see cref="TeacherDraws"/> teacher draws), so the seed and
/// the step are the whole random state; libtorch's generator is not used by training.
/// </summary>
public sealed record CheckpointState(long Step, int Seed, long TeacherDraws, string ConfigSha256);

/// <summary>
/// Checkpoints of a run under <c>&lt;output&gt;/checkpoints/step-NNNNNNNN/</c>: <c>student.safetensors</c> (the
/// state dict, buffers included), <c>optimizer.bin</c> (TorchSharp's AdamW state: moments and step counts) and
/// <c>state.json</c>. A checkpoint is written into a <c>.partial</c> folder and renamed when complete, so a run killed
/// with <c>kill -9</c> leaves either the previous checkpoint or the new one, never half of one.
/// </summary>
public static class TrainingCheckpoint
{
    private const string Prefix = "step-";

    public static string Folder(string output) => Path.Combine(output, "checkpoints");

    /// <summary>Writes the checkpoint of <paramref name="state"/> and keeps only the newest <paramref name="keep"/>.</summary>
    public static string Save(string output, nn.Module student, optim.Optimizer optimizer, CheckpointState state, int keep)
    {
        var folder = Folder(output);
        var final = Path.Combine(folder, Prefix + state.Step.ToString("D8", CultureInfo.InvariantCulture));
        var partial = final + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        CheckpointFile.WriteStateDict(Path.Combine(partial, "student.safetensors"), student);
        Helper(optimizer).save_state_dict(Path.Combine(partial, "optimizer.bin"));
        var json = new JsonObject
        {
            ["step"] = state.Step,
            ["seed"] = state.Seed,
            ["teacher_draws"] = state.TeacherDraws,
            ["config_sha256"] = state.ConfigSha256,
        };
        File.WriteAllText(Path.Combine(partial, "state.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(partial, final);
        foreach (var old in List(output).SkipLast(keep)) Directory.Delete(old.Path, recursive: true);
        return final;
    }

    // TorchSharp's optimizers (AdamW included) keep their state save / load on this base class.
    private static TorchSharp.Modules.OptimizerHelper Helper(optim.Optimizer optimizer) =>
        optimizer as TorchSharp.Modules.OptimizerHelper ?? throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state");

    /// <summary>Complete checkpoints, oldest first.</summary>
    public static List<(long Step, string Path)> List(string output)
    {
        var folder = Folder(output);
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateDirectories(folder, Prefix + "*")
            .Select(d => (Name: Path.GetFileName(d), Path: d))
            .Where(d => !d.Name.EndsWith(".partial", StringComparison.Ordinal) && long.TryParse(d.Name[Prefix.Length..], CultureInfo.InvariantCulture, out _))
            .Select(d => (long.Parse(d.Name[Prefix.Length..], CultureInfo.InvariantCulture), d.Path))
            .OrderBy(d => d.Item1).ToList();
    }

    public static CheckpointState ReadState(string checkpoint)
    {
        var path = Path.Combine(checkpoint, "state.json");
        try
        {
            var j = JsonNode.Parse(File.ReadAllText(path))!;
            return new CheckpointState(j["step"]!.GetValue<long>(), j["seed"]!.GetValue<int>(), j["teacher_draws"]!.GetValue<long>(), j["config_sha256"]!.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"checkpoint {checkpoint}: state.json is unreadable ({e.Message})", e);
        }
    }

    /// <summary>Loads the student's weights and the optimizer's state of a checkpoint into live objects.</summary>
    public static void Restore(string checkpoint, nn.Module student, optim.Optimizer optimizer)
    {
        CheckpointFile.LoadStateDict(student, Path.Combine(checkpoint, "student.safetensors"));
        Helper(optimizer).load_state_dict(Path.Combine(checkpoint, "optimizer.bin"));
    }
}
