namespace DepthNode.Imaging;

/// <summary>
/// Per-output-pixel source taps and weights along one axis, built once per (source, destination) size pair.
/// Shrinking uses area weights (each output pixel averages the source interval it covers, as OpenCV INTER_AREA), so a
/// 1242-wide frame squeezed to 224 does not alias; enlarging (or equal size) uses bilinear weights with half-pixel
/// centres and edge clamping (OpenCV INTER_LINEAR). Both are separable, so a 2-D resize is one pass per axis.
/// </summary>
internal sealed class ResampleAxis
{
    public int Source { get; }
    public int Destination { get; }
    /// <summary>Bilinear even when shrinking (<see cref="Inference.ResizeFilter.Linear"/>).</summary>
    public bool Linear { get; }
    /// <summary>First source index of output i.</summary>
    public readonly int[] Start;
    /// <summary>Number of taps of output i (weights at Offset[i] ..).</summary>
    public readonly int[] Count;
    public readonly int[] Offset;
    public readonly float[] Weights;

    public ResampleAxis(int source, int destination, bool linear = false)
    {
        Source = source; Destination = destination; Linear = linear;
        Start = new int[destination]; Count = new int[destination]; Offset = new int[destination];
        var weights = new List<float>(destination * 4);
        if (destination < source && !linear)
        {
            var scale = (double)source / destination;
            for (var i = 0; i < destination; i++)
            {
                var a = i * scale;
                var b = Math.Min((i + 1) * scale, source);
                var s = (int)Math.Floor(a);
                var e = Math.Min((int)Math.Ceiling(b), source);
                Start[i] = s; Offset[i] = weights.Count;
                for (var k = s; k < e; k++)
                {
                    var w = Math.Min(b, k + 1) - Math.Max(a, k);
                    weights.Add((float)(w / (b - a)));
                }
                Count[i] = e - s;
            }
        }
        else
        {
            for (var i = 0; i < destination; i++)
            {
                var (x0, f) = LinearTap(i, source, destination);
                Start[i] = x0; Offset[i] = weights.Count;
                if (f == 0) { weights.Add(1f); Count[i] = 1; }
                else { weights.Add((float)(1 - f)); weights.Add((float)f); Count[i] = 2; }
            }
        }
        Weights = weights.ToArray();
    }

    /// <summary>
    /// Bilinear sampling of output <paramref name="i"/> (OpenCV INTER_LINEAR): the source coordinate of its centre,
    /// (i + 0.5)·source/destination − 0.5, as the left tap and the weight of the right one; clamped at the edges,
    /// where the weight is 0.
    /// </summary>
    public static (int Left, double Fraction) LinearTap(int i, int source, int destination)
    {
        var x = (i + 0.5) * source / destination - 0.5;
        var x0 = (int)Math.Floor(x);
        var f = x - x0;
        if (x0 < 0) return (0, 0);
        if (x0 >= source - 1) return (source - 1, 0);
        return (x0, f);
    }
}
