using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>
/// The last few sparse depth frames (projected LiDAR scans) with their stamps, so each image is fitted against the
/// scan taken closest to it, within a slop — not the newest one: at 10 Hz LiDAR and 30 Hz camera the newest scan can be
/// 90 ms away from the image, and the vehicle moves in between. Buffers are reused (no allocation per scan after the
/// first of each size). Not thread-safe: the runtime calls it under its lock.
/// </summary>
public sealed class SparseDepthPairing(double slopMs, int history = 4)
{
    private readonly Slot[] _slots = Enumerable.Range(0, Math.Max(1, history)).Select(_ => new Slot()).ToArray();
    private readonly long _slopNs = (long)(slopMs * 1e6);
    private int _next;

    public bool Any => _slots.Any(s => s.Length > 0);

    /// <summary>Decodes a sparse depth message into the oldest slot (throws on malformed input; the slot is then empty).</summary>
    public void Offer(ImageMessageView image)
    {
        var slot = _slots[_next];
        slot.Length = 0;
        slot.Length = SparseDepth.Decode(image, ref slot.Metres);
        slot.StampNs = image.Header.Stamp.TotalNanoseconds;
        _next = (_next + 1) % _slots.Length;
    }

    /// <summary>Copies the scan nearest to <paramref name="imageStampNs"/> into <paramref name="into"/> (grown when
    /// needed) when it is within the slop. Returns its pixel count, or 0 with the distance to the nearest scan
    /// (<see cref="long.MaxValue"/> when there is none).</summary>
    public int TakeNearest(long imageStampNs, ref float[] into, out long nearestNs)
    {
        Slot? best = null;
        nearestNs = long.MaxValue;
        foreach (var s in _slots)
        {
            if (s.Length == 0) continue;
            var d = Math.Abs(s.StampNs - imageStampNs);
            if (d < nearestNs) (best, nearestNs) = (s, d);
        }
        if (best is null || nearestNs > _slopNs) return 0;
        if (into.Length < best.Length) into = new float[best.Length];
        best.Metres.AsSpan(0, best.Length).CopyTo(into);
        return best.Length;
    }

    private sealed class Slot
    {
        public float[] Metres = [];
        public int Length;
        public long StampNs;
    }
}
