using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>Why an image left the pairing stage without a CameraInfo.</summary>
public enum PairingDrop
{
    /// <summary>No CameraInfo has arrived at all yet (cache_latest) and a newer image replaced the waiting one — the
    /// camera driver or the topic name is wrong.</summary>
    NoCameraInfoYet,
    /// <summary>A newer image replaced one still waiting for its CameraInfo (exact / approximate).</summary>
    NoMatchingCameraInfo,
}

/// <summary>
/// Pairs each image with its CameraInfo, as <c>sync_mode</c> says:
/// <list type="bullet">
/// <item><c>exact</c>: identical stamps (image_transport's CameraSubscriber);</item>
/// <item><c>approximate</c>: nearest stamp within the slop;</item>
/// <item><c>cache_latest</c>: the newest CameraInfo seen (intrinsics are static; robust to different rates). Before
/// the first CameraInfo, the newest image waits for it (drivers publish the image a moment before its CameraInfo).</item>
/// </list>
/// At most one image waits for its CameraInfo: holding more would only add latency, and a newer image supersedes
/// it (the superseded one is reported as dropped). Recent CameraInfos are kept in a small ring so that an image
/// arriving after its CameraInfo pairs at once. A CameraInfo is paired by the stamp it arrived with, which the caller
/// passes apart from the message: a driver republishing one calibration with every image is then offered the same
/// CameraInfo object under each new stamp, and nothing is allocated per message. Not thread-safe: the node calls it
/// from one executor thread.
/// </summary>
public sealed class CameraInfoPairing<TImage> where TImage : class
{
    private readonly CameraInfoSyncMode _mode;
    private readonly long _slopNs;
    private readonly (long StampNs, CameraInfo? Info)[] _recent;
    private int _next;
    private TImage? _pending;
    private long _pendingStampNs;

    public CameraInfoPairing(CameraInfoSyncMode mode, double slopMs = 20, int history = 8)
    {
        _mode = mode;
        _slopNs = (long)(slopMs * 1e6);
        _recent = new (long, CameraInfo?)[Math.Max(1, history)];
    }

    /// <summary>The most recent CameraInfo, if any (for republishing and for cache_latest).</summary>
    public CameraInfo? Latest { get; private set; }

    /// <summary>Offers an image. Returns true with the pair when it can be processed now; otherwise the image waits.
    /// <paramref name="dropped"/> is set when this call made an earlier waiting image unprocessable; that image is
    /// handed back in <paramref name="released"/> so its buffer can be reused.</summary>
    public bool OfferImage(TImage image, long stampNs, out (TImage Image, CameraInfo Info) ready, out PairingDrop? dropped, out TImage? released)
    {
        dropped = null;
        released = null;
        ready = default;
        var match = _mode == CameraInfoSyncMode.CacheLatest ? Latest : FindMatch(stampNs);
        if (match is not null) { ready = (image, match); return true; }
        if (_pending is not null)
        {
            dropped = _mode == CameraInfoSyncMode.CacheLatest ? PairingDrop.NoCameraInfoYet : PairingDrop.NoMatchingCameraInfo;
            released = _pending;
        }
        _pending = image;
        _pendingStampNs = stampNs;
        return false;
    }

    /// <summary>Offers a CameraInfo stamped as its header says.</summary>
    public bool OfferCameraInfo(CameraInfo info, out (TImage Image, CameraInfo Info) ready) =>
        OfferCameraInfo(info, info.Header.Stamp.TotalNanoseconds, out ready);

    /// <summary>Offers a CameraInfo that arrived with stamp <paramref name="stampNs"/> (its header's stamp may be an
    /// earlier message's when the calibration is unchanged). Returns true with the waiting image when it completes it.</summary>
    public bool OfferCameraInfo(CameraInfo info, long stampNs, out (TImage Image, CameraInfo Info) ready)
    {
        Latest = info;
        _recent[_next] = (stampNs, info);
        _next = (_next + 1) % _recent.Length;
        ready = default;
        if (_pending is null || (_mode != CameraInfoSyncMode.CacheLatest && !Matches(stampNs, _pendingStampNs))) return false;
        ready = (_pending, info);
        _pending = null;
        return true;
    }

    /// <summary>Gives up the waiting image, if any (end of input).</summary>
    public TImage? Flush()
    {
        var pending = _pending;
        _pending = null;
        return pending;
    }

    private CameraInfo? FindMatch(long stampNs)
    {
        CameraInfo? best = null;
        var bestDelta = long.MaxValue;
        foreach (var (infoStampNs, info) in _recent)
        {
            if (info is null) continue;
            var delta = Math.Abs(infoStampNs - stampNs);
            if (delta < bestDelta && Matches(infoStampNs, stampNs)) { best = info; bestDelta = delta; }
        }
        return best;
    }

    private bool Matches(long infoStampNs, long imageStampNs) => _mode == CameraInfoSyncMode.Exact
        ? infoStampNs == imageStampNs
        : Math.Abs(infoStampNs - imageStampNs) <= _slopNs;
}
