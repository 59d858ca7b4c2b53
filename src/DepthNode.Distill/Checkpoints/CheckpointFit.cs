namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// How a checkpoint's keys and shapes line up with a network's parameters under one key layout: file keys the
/// network needs but the file lacks (missing), file keys nothing reads (unexpected), and keys whose shapes differ.
/// Computed from shapes only, so a 1.3 GB file is checked before its tensors are copied.
/// </summary>
public sealed record CheckpointFit(
    DepthAnythingKeyLayout Layout,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<MisShapedKey> MisShaped,
    int Matched)
{
    public bool Fits => Missing.Count == 0 && Unexpected.Count == 0 && MisShaped.Count == 0;

    public static CheckpointFit Check(
        IReadOnlyDictionary<string, long[]> network, IReadOnlyDictionary<string, long[]> file, DepthAnythingKeyLayout layout)
    {
        var missing = new List<string>();
        var misShaped = new List<MisShapedKey>();
        var used = new HashSet<string>();
        var matched = 0;
        foreach (var (networkKey, networkShape) in network)
        {
            var sources = layout.FileKeys(networkKey);
            var absent = sources.Where(s => !file.ContainsKey(s)).ToList();
            used.UnionWith(sources.Where(file.ContainsKey));
            if (absent.Count > 0)
            {
                missing.AddRange(absent);
                continue;
            }
            var fileShape = Concatenated(sources.Select(s => file[s]).ToList());
            if (fileShape is null || !fileShape.SequenceEqual(networkShape))
                misShaped.Add(new MisShapedKey(string.Join("+", sources), sources.Select(s => file[s]).ToList(), networkShape));
            else matched++;
        }
        var unexpected = file.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        return new CheckpointFit(layout, missing, unexpected, misShaped, matched);
    }

    /// <summary>One line: counts and the first few keys of each kind.</summary>
    public string Summary()
    {
        static string Few(IEnumerable<string> items, int count) =>
            string.Join(", ", items.Take(3)) + (count > 3 ? $", … {count - 3} more" : "");
        var parts = new List<string> { $"{Matched} matched" };
        if (Missing.Count > 0) parts.Add($"{Missing.Count} missing ({Few(Missing, Missing.Count)})");
        if (Unexpected.Count > 0) parts.Add($"{Unexpected.Count} unexpected ({Few(Unexpected, Unexpected.Count)})");
        if (MisShaped.Count > 0) parts.Add($"{MisShaped.Count} mis-shaped ({Few(MisShaped.Select(m => m.ToString()), MisShaped.Count)})");
        return string.Join(", ", parts);
    }

    private static long[]? Concatenated(IReadOnlyList<long[]> shapes)
    {
        if (shapes.Count == 1) return shapes[0];
        var first = shapes[0];
        if (first.Length == 0 || shapes.Any(s => s.Length != first.Length || !s.Skip(1).SequenceEqual(first.Skip(1)))) return null;
        return [shapes.Sum(s => s[0]), .. first.Skip(1)];
    }
}

public sealed record MisShapedKey(string FileKey, IReadOnlyList<long[]> FileShapes, long[] NetworkShape)
{
    public override string ToString() =>
        $"{FileKey}: file {string.Join("+", FileShapes.Select(Format))}, network {Format(NetworkShape)}";

    public static string Format(long[] shape) => "[" + string.Join(",", shape) + "]";
}
