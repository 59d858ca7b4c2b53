namespace DepthNode.CommandLine;

/// <summary>
/// The one rule for every command that writes a file or folder, so that no command can destroy the user's data:
/// <list type="bullet">
/// <item>the output may never be, contain, or lie inside one of the command's inputs (compared as real paths, with
/// symbolic links resolved);</item>
/// <item>an existing output is replaced only with <c>--force</c>, only if it is a bag folder or a file (an empty
/// folder counts as absent), and only once the new output is complete;</item>
/// <item>the new output is written under a hidden folder beside its final place (same file system, so the final
/// move is a rename), and a command that fails or throws leaves nothing behind.</item>
/// </list>
/// Usage: <c>using var o = StagedOutput.Begin(out, force, inputs)</c>, write to <see cref="Path"/>, then
/// <see cref="Commit"/>. Disposing without committing deletes what was written.
/// </summary>
public sealed class StagedOutput : IDisposable
{
    private readonly string _stagingFolder;
    private readonly bool _force;
    private bool _done;

    private StagedOutput(string finalPath, string stagingFolder, bool force)
    {
        FinalPath = finalPath;
        _stagingFolder = stagingFolder;
        _force = force;
        // Same file or folder name as the final output: a bag folder names its storage file after itself.
        Path = System.IO.Path.Combine(stagingFolder, System.IO.Path.GetFileName(finalPath));
    }

    /// <summary>Where the output ends up (absolute).</summary>
    public string FinalPath { get; }

    /// <summary>Where the command writes it meanwhile; does not exist yet.</summary>
    public string Path { get; }

    /// <summary>Checks <paramref name="output"/> against the rule and reserves its staging place.</summary>
    /// <param name="inputs">Every file or folder the command reads (null entries are ignored).</param>
    public static StagedOutput Begin(string output, bool force, params string?[] inputs)
    {
        var final = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(output));
        if (System.IO.Path.GetFileName(final).Length == 0) throw new CliException($"output {output}: cannot write over a file system root");
        var realOutput = RealPath.Of(final);
        foreach (var input in inputs)
        {
            if (input is null) continue;
            var realInput = RealPath.Of(input);
            if (RealPath.SameOrInside(realOutput, realInput))
                throw new CliException(realOutput == realInput
                    ? $"output {output} is the input {input}; write to another path"
                    : $"output {output} lies inside the input {input}; write outside it");
            if (RealPath.SameOrInside(realInput, realOutput))
                throw new CliException($"output {output} contains the input {input}; replacing it would delete the input");
        }
        CheckReplaceable(output, final, force);
        var parent = System.IO.Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(parent);
        var staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(final)}.partial-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(staging);
        return new StagedOutput(final, staging, force);
    }

    private static void CheckReplaceable(string output, string final, bool force)
    {
        if (Directory.Exists(final))
        {
            if (!Directory.EnumerateFileSystemEntries(final).Any()) return; // an empty folder holds nothing to lose
            if (!force) throw new CliException($"output {output} exists (use --force to replace it)");
            if (!File.Exists(System.IO.Path.Combine(final, "metadata.yaml")))
                throw new CliException($"output {output} exists and is not a bag folder (no metadata.yaml); refusing to replace it even with --force");
        }
        else if (File.Exists(final) && !force)
            throw new CliException($"output {output} exists (use --force to replace it)");
    }

    /// <summary>Moves the complete output into place, replacing an existing one (checked in <see cref="Begin"/>).</summary>
    public void Commit()
    {
        if (_done) throw new InvalidOperationException("the output was already committed or discarded");
        if (!File.Exists(Path) && !Directory.Exists(Path))
            throw new InvalidOperationException($"nothing was written to {Path}");
        // Something may have appeared at the final path while the command ran: without --force it is not ours to replace.
        if (!_force && (File.Exists(FinalPath) || (Directory.Exists(FinalPath) && Directory.EnumerateFileSystemEntries(FinalPath).Any())))
            throw new CliException($"output {FinalPath} appeared while it was being written (use --force to replace it)");
        var old = System.IO.Path.Combine(_stagingFolder, ".replaced");
        var replaced = Move(FinalPath, old);
        try
        {
            Move(Path, FinalPath);
        }
        catch
        {
            if (replaced) Move(old, FinalPath);
            throw;
        }
        _done = true;
        Directory.Delete(_stagingFolder, recursive: true);
    }

    /// <summary>Deletes whatever was written unless <see cref="Commit"/> ran.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        if (Directory.Exists(_stagingFolder)) Directory.Delete(_stagingFolder, recursive: true);
    }

    private static bool Move(string from, string to)
    {
        if (Directory.Exists(from)) { Directory.Move(from, to); return true; }
        if (File.Exists(from)) { File.Move(from, to); return true; }
        return false;
    }
}
