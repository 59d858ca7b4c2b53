using DepthNode.Messages;
using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class SparseDepthPairingTests
{
    private static byte[] Scan(long stampNs, float value) => RosMessage.SerializeToArray(new Image(
        new Header(RosTime.FromNanoseconds(stampNs), "lidar"), 1, 2, "32FC1", 0, 8,
        new[] { value, value }.SelectMany(BitConverter.GetBytes).ToArray()));

    [Fact]
    public void TakeNearest_TenHertzLidarThirtyHertzCamera_EachImageGetsTheScanNearestInTime()
    {
        var pairing = new SparseDepthPairing(slopMs: 50);
        // Scans at 0, 100, 200 ms carry their stamp in ms as the depth value.
        foreach (var t in new[] { 0, 100, 200 }) pairing.Offer(ImageMessageView.Parse(Scan(t * 1_000_000L, t)));
        var into = Array.Empty<float>();
        foreach (var (imageMs, scanMs) in new[] { (0, 0), (33, 0), (67, 100), (133, 100), (167, 200), (233, 200) })
        {
            Assert.Equal(2, pairing.TakeNearest(imageMs * 1_000_000L, ref into, out var nearest));
            Assert.Equal(scanMs, into[0]);
            Assert.Equal(Math.Abs(imageMs - scanMs) * 1_000_000L, nearest);
        }
    }

    [Fact]
    public void TakeNearest_NoScanWithinTheSlop_ReturnsZeroWithTheDistance()
    {
        var pairing = new SparseDepthPairing(slopMs: 50);
        var into = Array.Empty<float>();
        Assert.Equal(0, pairing.TakeNearest(0, ref into, out var none));
        Assert.Equal(long.MaxValue, none);
        pairing.Offer(ImageMessageView.Parse(Scan(0, 1)));
        Assert.Equal(0, pairing.TakeNearest(90_000_000, ref into, out var nearest)); // the 90 ms case of the issue
        Assert.Equal(90_000_000, nearest);
    }

    [Fact]
    public void Offer_OldestScanIsReplaced_AndNothingIsAllocatedOnceWarm()
    {
        var pairing = new SparseDepthPairing(slopMs: 10, history: 2);
        var scans = Enumerable.Range(0, 6).Select(i => Scan(i * 100_000_000L, i)).ToArray();
        var into = Array.Empty<float>();
        pairing.Offer(ImageMessageView.Parse(scans[0]));
        pairing.Offer(ImageMessageView.Parse(scans[1]));
        pairing.TakeNearest(0, ref into, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 2; i < 6; i++)
        {
            pairing.Offer(ImageMessageView.Parse(scans[i]));
            pairing.TakeNearest(i * 100_000_000L, ref into, out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, pairing.TakeNearest(300_000_000, ref into, out _)); // only the last two (400, 500 ms) are kept
        Assert.Equal(2, pairing.TakeNearest(400_000_000, ref into, out _));
    }
}
