namespace DepthNode.Distill.Training;

/// <summary>
/// Picks one teacher per iteration with fixed probabilities (the paper's assistant-guided scheme: primary 0.7,
/// assistant 0.3). Seeded, so a run and its resumption draw the same sequence.
/// </summary>
public sealed class TeacherSampler
{
    private readonly double[] _cumulative;
    private readonly Random _random;

    public TeacherSampler(IReadOnlyList<double> weights, int seed)
    {
        if (weights.Count == 0) throw new ArgumentException("at least one teacher is needed");
        if (weights.Any(w => !double.IsFinite(w) || w < 0)) throw new ArgumentException($"teacher weights must be finite and ≥ 0, got {string.Join(", ", weights)}");
        var total = weights.Sum();
        if (total <= 0) throw new ArgumentException("teacher weights are all 0");
        _cumulative = new double[weights.Count];
        double sum = 0;
        for (var i = 0; i < weights.Count; i++) _cumulative[i] = (sum += weights[i]) / total;
        _random = new Random(seed);
    }

    /// <summary>The index of the teacher of the next iteration.</summary>
    public int Next()
    {
        var u = _random.NextDouble();
        for (var i = 0; i < _cumulative.Length - 1; i++) if (u < _cumulative[i]) return i;
        return _cumulative.Length - 1;
    }
}
