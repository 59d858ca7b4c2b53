namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// `--shard i/N`: this job labels frames i, i+N, i+2N, … of the frame list (round-robin, so every shard gets a
/// similar mix of the recordings). 0/1 is the whole list.
/// </summary>
public readonly record struct ShardSpec(int Index, int Count)
{
    public static readonly ShardSpec Whole = new(0, 1);

    public bool Contains(int frameIndex) => frameIndex % Count == Index;

    public static ShardSpec Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n < 1 || i < 0 || i >= n)
            throw new FormatException($"--shard '{text}' must be i/N with 0 ≤ i < N (e.g. 3/8)");
        return new ShardSpec(i, n);
    }

    public override string ToString() => $"{Index}/{Count}";
}
