namespace DepthNode.Distill.Tests.Losses;

/// <summary>
/// Straightforward per-pixel loops of the method document's formulas (section 3.1 / 3.3), written apart from the
/// TorchSharp code: each image and each context on its own, in double.
/// </summary>
internal static class LossReference
{
    /// <summary>Lower median (torch.median / nanmedian convention), 0 for an empty set (HDN's NaN → 0).</summary>
    public static double LowerMedian(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    /// <summary>(d − med) / (Σ|d − med| / (M + 1) + 1e-6) over the pixels of the context; also med and the scale.</summary>
    public static (double[] Normalized, double Median, double Scale) Normalize(double[] d, bool[] context)
    {
        var inside = new List<double>();
        for (var i = 0; i < d.Length; i++) if (context[i]) inside.Add(d[i]);
        var med = LowerMedian(inside);
        var sumAbs = 0.0;
        foreach (var v in inside) sumAbs += Math.Abs(v - med);
        var scale = sumAbs / (inside.Count + 1) + 1e-6;
        var n = new double[d.Length];
        for (var i = 0; i < d.Length; i++) n[i] = (d[i] - med) / scale;
        return (n, med, scale);
    }

    /// <summary>HDN depth-range bins of the teacher, top bin closed; levels given by their bin counts.</summary>
    public static List<bool[]> Contexts(double[] teacher, bool[] mask, int[] binsPerLevel)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (var i = 0; i < teacher.Length; i++)
            if (mask[i]) { min = Math.Min(min, teacher[i]); max = Math.Max(max, teacher[i]); }
        var list = new List<bool[]>();
        foreach (var bins in binsPerLevel)
        {
            var size = 1.0 / bins;
            for (var k = 0; k < bins; k++)
            {
                var lower = min + (max - min) * (k * size);
                var upper = min + (max - min) * ((k + 1) * size) + 1e-30;
                var c = new bool[teacher.Length];
                for (var i = 0; i < teacher.Length; i++)
                    c[i] = mask[i] && teacher[i] >= lower && (k == bins - 1 ? teacher[i] <= max : teacher[i] < upper);
                list.Add(c);
            }
        }
        return list;
    }

    /// <summary>L_Dis over a batch: per-pixel mean over its contexts, summed, divided by the batch's valid count.</summary>
    public static double DisparityLoss(double[][] s, double[][] t, bool[][] mask, int[]? binsPerLevel)
    {
        double total = 0;
        long valid = 0;
        for (var b = 0; b < s.Length; b++)
        {
            var n = s[b].Length;
            for (var i = 0; i < n; i++) if (mask[b][i]) valid++;
            if (binsPerLevel is null)
            {
                for (var i = 0; i < n; i++) if (mask[b][i]) total += Math.Abs(s[b][i] - t[b][i]);
                continue;
            }
            var sum = new double[n];
            var count = new int[n];
            foreach (var c in Contexts(t[b], mask[b], binsPerLevel))
            {
                var (ns, _, _) = Normalize(s[b], c);
                var (nt, _, _) = Normalize(t[b], c);
                for (var i = 0; i < n; i++)
                    if (c[i]) { sum[i] += Math.Abs(ns[i] - nt[i]); count[i]++; }
            }
            for (var i = 0; i < n; i++) if (count[i] > 0) total += sum[i] / count[i];
        }
        return valid == 0 ? 0 : total / valid;
    }

    /// <summary>MiDaS multi-scale gradient matching on the globally normalised pair, batch-based reduction.</summary>
    public static double GradientMatching(double[][] s, double[][] t, bool[][] mask, int h, int w, int scales)
    {
        var r = new double[s.Length][];
        for (var b = 0; b < s.Length; b++)
        {
            var (ns, _, _) = Normalize(s[b], mask[b]);
            var (nt, _, _) = Normalize(t[b], mask[b]);
            r[b] = new double[ns.Length];
            for (var i = 0; i < ns.Length; i++) r[b][i] = ns[i] - nt[i];
        }
        double total = 0;
        for (var k = 0; k < scales; k++)
        {
            var step = 1 << k;
            double sum = 0, count = 0;
            for (var b = 0; b < s.Length; b++)
            for (var y = 0; y < h; y += step)
            for (var x = 0; x < w; x += step)
            {
                var i = y * w + x;
                if (!mask[b][i]) continue;
                count++;
                if (x + step < w && mask[b][i + step]) sum += Math.Abs(r[b][i + step] - r[b][i]);
                if (y + step < h && mask[b][i + step * w]) sum += Math.Abs(r[b][i + step * w] - r[b][i]);
            }
            if (count > 0) total += sum / count;
        }
        return total;
    }

    /// <summary>Σ over tokens with 1 − cos ≥ margin of (1 − cos), divided by all tokens; features [tokens][channels].</summary>
    public static double FeatureAlignment(double[][] f, double[][] g, double margin)
    {
        double sum = 0;
        foreach (var (a, b) in f.Zip(g))
        {
            double dot = 0, na = 0, nb = 0;
            for (var c = 0; c < a.Length; c++) { dot += a[c] * b[c]; na += a[c] * a[c]; nb += b[c] * b[c]; }
            var d = 1 - dot / (Math.Max(Math.Sqrt(na), 1e-8) * Math.Max(Math.Sqrt(nb), 1e-8));
            if (d >= margin) sum += d;
        }
        return sum / f.Length;
    }
}
