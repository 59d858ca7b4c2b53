using System.Globalization;

namespace DepthNode.NodeLogic;

/// <summary>Why a frame produced no output. Every drop is counted under exactly one reason.</summary>
public enum FrameDropReason
{
    /// <summary>A newer frame arrived before this one was processed (bounded latency, not an error).</summary>
    Superseded,
    /// <summary>No (matching) CameraInfo.</summary>
    NoCameraInfo,
    /// <summary>The image itself is unusable: unknown encoding, step too small, zero size, truncated data.</summary>
    BadImage,
    /// <summary>A CompressedImage that does not decode.</summary>
    DecodeFailed,
    /// <summary>The network failed to run, or its output is unusable (wrong shape, no finite value).</summary>
    ModelFailed,
    /// <summary>The metric-scale fit had too little support (e.g. no road pixels, no sparse depth).</summary>
    MetricFitFailed,
    /// <summary>The paired CameraInfo cannot describe a pinhole camera (the matrix <c>intrinsics</c> selects is all
    /// zeros, a focal length is not finite and positive, the principal point lies outside the image).</summary>
    BadCameraInfo,
    /// <summary>The CameraInfo is for another image size than the image's, and its binning/ROI do not explain why.</summary>
    CameraInfoSizeMismatch,
}

/// <summary>Severity as diagnostic_msgs/DiagnosticStatus defines it.</summary>
public enum DiagnosticLevel : byte { Ok = 0, Warn = 1, Error = 2, Stale = 3 }

/// <summary>One /diagnostics status, independent of the message type so the core stays ROS-free.</summary>
public sealed record DiagnosticsReport(DiagnosticLevel Level, string Name, string Message, IReadOnlyList<KeyValuePair<string, string>> Values);

/// <summary>
/// The node's health: counters (lock-free increments on the frame path), stage timings, the metric source in use and
/// the last error of each kind. <see cref="Report"/> runs once per diagnostics period and may allocate; the frame
/// path does not.
/// </summary>
public sealed class NodeDiagnostics(string name, StageTimings timings)
{
    private static readonly int ReasonCount = Enum.GetValues<FrameDropReason>().Length;
    private readonly long[] _drops = new long[ReasonCount];
    private readonly string?[] _lastError = new string?[ReasonCount];
    private long _received, _processed, _nonFinitePixels, _skippedNoSubscriber;
    private long _lastReportProcessed, _lastReportDropped;
    private TimeSpan _lastReportTime;
    private bool _reported;

    public StageTimings Timings { get; } = timings;

    /// <summary>Image header stamp to the last output published, this diagnostics period (what consumers see).</summary>
    public LatencyHistogram StampToPublish { get; } = new();
    /// <summary>Arrival in the node to the last output published, this period (queueing plus processing: the node's share).</summary>
    public LatencyHistogram ReceiveToPublish { get; } = new();
    /// <summary>Frames not computed because no output had a subscriber (not a failure).</summary>
    public long SkippedNoSubscriber => Interlocked.Read(ref _skippedNoSubscriber);

    public void FrameSkippedNoSubscriber() => Interlocked.Increment(ref _skippedNoSubscriber);

    /// <summary>Both latencies of one published frame, ms.</summary>
    public void FramePublished(double stampToPublishMs, double receiveToPublishMs)
    {
        StampToPublish.Record(stampToPublishMs);
        ReceiveToPublish.Record(receiveToPublishMs);
    }
    public long Received => Interlocked.Read(ref _received);
    public long Processed => Interlocked.Read(ref _processed);
    public long Dropped(FrameDropReason reason) => Interlocked.Read(ref _drops[(int)reason]);
    public long DroppedTotal { get { long s = 0; for (var i = 0; i < ReasonCount; i++) s += Interlocked.Read(ref _drops[i]); return s; } }
    public string? LastError(FrameDropReason reason) => Volatile.Read(ref _lastError[(int)reason]);

    /// <summary>Execution provider actually in use (set once at start).</summary>
    public string Provider { get; set; } = "";
    /// <summary>What made the last published depth metric, with its fitted scale and shift.</summary>
    public string MetricSource { get; private set; } = "";
    public double MetricScale { get; private set; } = double.NaN;
    public double MetricShift { get; private set; } = double.NaN;

    public void FrameReceived() => Interlocked.Increment(ref _received);

    public void FrameProcessed(string metricSource, double scale, double shift, long nonFinitePixels)
    {
        Interlocked.Increment(ref _processed);
        Interlocked.Add(ref _nonFinitePixels, nonFinitePixels);
        MetricSource = metricSource;
        MetricScale = scale;
        MetricShift = shift;
    }

    public void FrameDropped(FrameDropReason reason, string? error = null)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        if (error is not null) Volatile.Write(ref _lastError[(int)reason], error);
    }

    /// <summary>Builds the status for this period: ERROR when frames arrive but none succeeds, WARN when any was
    /// dropped for a reason other than being superseded, OK otherwise.</summary>
    public DiagnosticsReport Report(TimeSpan now)
    {
        var processed = Processed;
        var failed = DroppedTotal - Dropped(FrameDropReason.Superseded);
        // The first report has no period behind it: its rate is unknown, not "frames since the epoch".
        var periodS = (now - _lastReportTime).TotalSeconds;
        var fps = _reported && periodS > 0 ? (processed - _lastReportProcessed) / periodS : double.NaN;
        _reported = true;
        var newFailures = failed - _lastReportDropped;
        var level = Received > 0 && processed == _lastReportProcessed && newFailures > 0 ? DiagnosticLevel.Error
            : newFailures > 0 ? DiagnosticLevel.Warn : DiagnosticLevel.Ok;
        _lastReportTime = now;
        _lastReportProcessed = processed;
        _lastReportDropped = failed;

        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.###", CultureInfo.InvariantCulture);
        var values = new List<KeyValuePair<string, string>>
        {
            new("frames_received", Received.ToString(CultureInfo.InvariantCulture)),
            new("frames_processed", processed.ToString(CultureInfo.InvariantCulture)),
            new("fps", F(fps)),
            new("latency_ms_median", F(Timings.Median(PipelineStage.Total))),
            new("latency_ms_p99", F(Timings.Quantile(PipelineStage.Total, 0.99))),
            new("latency_stamp_to_publish_ms_p50", F(StampToPublish.Quantile(0.5))),
            new("latency_stamp_to_publish_ms_p99", F(StampToPublish.Quantile(0.99))),
            new("latency_receive_to_publish_ms_p50", F(ReceiveToPublish.Quantile(0.5))),
            new("latency_receive_to_publish_ms_p99", F(ReceiveToPublish.Quantile(0.99))),
            new("inference_ms_median", F(Timings.Median(PipelineStage.Inference))),
            new("frames_skipped_no_subscriber", SkippedNoSubscriber.ToString(CultureInfo.InvariantCulture)),
            new("execution_provider", Provider),
            new("metric_source", MetricSource),
            new("metric_scale", F(MetricScale)),
            new("metric_shift", F(MetricShift)),
            new("non_finite_model_pixels", Interlocked.Read(ref _nonFinitePixels).ToString(CultureInfo.InvariantCulture)),
        };
        foreach (var reason in Enum.GetValues<FrameDropReason>())
        {
            var key = "dropped_" + SnakeCase.From(reason.ToString());
            values.Add(new(key, Dropped(reason).ToString(CultureInfo.InvariantCulture)));
            if (LastError(reason) is { } e) values.Add(new("last_error_" + SnakeCase.From(reason.ToString()), e));
        }
        // Latency percentiles are per period: a slow minute an hour ago must not hide today's numbers.
        StampToPublish.Clear();
        ReceiveToPublish.Clear();
        var message = level switch
        {
            DiagnosticLevel.Error => "no frame processed this period",
            DiagnosticLevel.Warn => $"{newFailures} frame(s) dropped this period",
            _ => processed == 0 ? "waiting for images" : "ok",
        };
        return new DiagnosticsReport(level, name, message, values);
    }
}
