using DepthNode.Messages;
using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class CameraInfoPairingTests
{
    private sealed record Frame(long StampNs);

    private static CameraInfo Info(long stampNs) =>
        new(new Header(RosTime.FromNanoseconds(stampNs), "cam_optical"), 2, 2, "plumb_bob", [], new double[9], new double[9], new double[12], 0, 0, default);

    [Fact]
    public void CacheLatest_BeforeAnyCameraInfo_NewestImageWaitsForTheFirst()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.CacheLatest);
        Assert.False(p.OfferImage(new Frame(1), 1, out _, out var dropped, out _));
        Assert.Null(dropped);
        var second = new Frame(2);
        Assert.False(p.OfferImage(second, 2, out _, out dropped, out var released));
        Assert.Equal(PairingDrop.NoCameraInfoYet, dropped);     // the first image is given up, the second waits
        Assert.Equal(1, released!.StampNs);
        Assert.True(p.OfferCameraInfo(Info(123), out var ready)); // any stamp will do in cache_latest
        Assert.Same(second, ready.Image);
    }

    [Fact]
    public void CacheLatest_UsesNewestCameraInfoWhateverItsStamp()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.CacheLatest);
        p.OfferCameraInfo(Info(100), out _);
        p.OfferCameraInfo(Info(200), out _);
        Assert.True(p.OfferImage(new Frame(5_000), 5_000, out var ready, out _, out _));
        Assert.Equal(200, ready.Info.Header.Stamp.TotalNanoseconds);
    }

    [Fact]
    public void Exact_ImageBeforeItsCameraInfo_WaitsThenPairs()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.Exact);
        var f = new Frame(1_000);
        Assert.False(p.OfferImage(f, 1_000, out _, out var dropped, out _));
        Assert.Null(dropped);
        Assert.False(p.OfferCameraInfo(Info(999), out _)); // one nanosecond off is not exact
        Assert.True(p.OfferCameraInfo(Info(1_000), out var ready));
        Assert.Same(f, ready.Image);
    }

    [Fact]
    public void Exact_CameraInfoBeforeImage_PairsFromHistory()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.Exact);
        p.OfferCameraInfo(Info(1_000), out _);
        p.OfferCameraInfo(Info(2_000), out _);
        Assert.True(p.OfferImage(new Frame(1_000), 1_000, out var ready, out _, out _));
        Assert.Equal(1_000, ready.Info.Header.Stamp.TotalNanoseconds);
    }

    [Fact]
    public void Exact_NewerImageSupersedesUnpairedOne_AndReportsTheDrop()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.Exact);
        p.OfferImage(new Frame(1), 1, out _, out _, out _);
        Assert.False(p.OfferImage(new Frame(2), 2, out _, out var dropped, out _));
        Assert.Equal(PairingDrop.NoMatchingCameraInfo, dropped);
        Assert.True(p.OfferCameraInfo(Info(2), out var ready));
        Assert.Equal(2, ready.Image.StampNs);
        Assert.Null(p.Flush());
    }

    [Fact]
    public void Approximate_PicksNearestWithinSlop()
    {
        var p = new CameraInfoPairing<Frame>(CameraInfoSyncMode.Approximate, slopMs: 5);
        p.OfferCameraInfo(Info(0), out _);
        p.OfferCameraInfo(Info(10_000_000), out _);
        p.OfferCameraInfo(Info(20_000_000), out _);
        Assert.True(p.OfferImage(new Frame(12_000_000), 12_000_000, out var ready, out _, out _));
        Assert.Equal(10_000_000, ready.Info.Header.Stamp.TotalNanoseconds);
        Assert.False(p.OfferImage(new Frame(36_000_000), 36_000_000, out _, out _, out _)); // 16 ms from the nearest
        Assert.NotNull(p.Flush());
    }
}
