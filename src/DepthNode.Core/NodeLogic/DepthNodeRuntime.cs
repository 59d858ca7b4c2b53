using System.Diagnostics;
using DepthNode.Cdr;
using DepthNode.Messages;

namespace DepthNode.NodeLogic;

/// <summary>Where the running node's messages go: the ROS adapter publishes them, a bag run records them.</summary>
public interface IDepthOutputSink
{
    /// <summary>One serialized message; <paramref name="cdr"/> is only valid during the call.
    /// <paramref name="inputReceiveTimeNs"/> is when the input it came from was received (a bag records outputs then).</summary>
    void Publish(string topic, ReadOnlySpan<byte> cdr, long inputReceiveTimeNs);
}

/// <summary>
/// The node without ROS: subscription callbacks hand serialized messages in (<see cref="OnImage"/>,
/// <see cref="OnCameraInfo"/>, <see cref="OnSparseDepth"/>); images are paired with their CameraInfo (and sparse depth
/// with the image by stamp), run through <see cref="DepthPipeline"/>, and every output is published through the sink
/// under the names of its <see cref="NodeConfiguration"/>; <see cref="PublishDiagnostics"/> reports health and warns
/// about silent inputs once per period.
/// <para>
/// Live (<c>synchronous: false</c>), a worker thread runs the pipeline on the newest paired frame and callbacks never
/// wait for inference: a frame that arrives while the worker is busy replaces the waiting one (counted as superseded),
/// so latency stays bounded by one inference however fast the camera runs. Synchronous (bag runs, tests), each frame is
/// processed inside the callback that completes it, so every frame is processed and runs are deterministic.
/// </para>
/// <para>
/// Outputs nobody subscribes to are not computed (<see cref="SetSubscriberCount"/>; all count as subscribed until the
/// adapter says otherwise, which is what a bag run wants). Latency from the image stamp and from arrival to publish is
/// measured per frame into fixed histograms. Frame buffers are pooled: steady state allocates nothing per frame.
/// </para>
/// </summary>
public sealed class DepthNodeRuntime : IDisposable
{
    private static readonly NodeTopic[] Inputs = [NodeTopic.Image, NodeTopic.CameraInfo, NodeTopic.SparseDepth];

    private readonly NodeConfiguration _config;
    private readonly DepthNodeOptions _options;
    private readonly DepthPipeline _pipeline;
    private readonly IDepthOutputSink _sink;
    private readonly ThrottledLog _throttled;
    private readonly ThrottledLog _silence;
    private readonly TimeProvider _time;
    private readonly CameraInfoPairing<Frame> _pairing;
    private readonly SparseDepthPairing? _sparsePairing;
    private readonly LatestFrameSlot<Frame>? _slot;
    private readonly Thread? _worker;
    private readonly Stack<Frame> _pool = new();
    private readonly object _gate = new();
    private readonly object _processing = new();
    private readonly CdrWriter _diagnostics = new(4096);
    private readonly (string Depth, string CameraInfo, string Cloud, string Colorized, string Metadata, string Diagnostics) _topics;
    private readonly int[] _subscribers = new int[Enum.GetValues<NodeTopic>().Length];
    private readonly long[] _lastArrival = new long[Enum.GetValues<NodeTopic>().Length];
    private readonly long _startTimestamp;
    private byte[] _lastCameraInfoBody = [];
    private int _lastCameraInfoBodyLength;
    private float[] _sparse = [];
    private int _inFlight;
    private volatile bool _stopping;

    /// <summary>A node in the root namespace without remaps (bag runs, tests).</summary>
    public DepthNodeRuntime(DepthNodeOptions options, DepthPipeline pipeline, IDepthOutputSink sink, ILogSink log, bool synchronous = false)
        : this(NodeConfiguration.ForOptions(options), pipeline, sink, log, synchronous) { }

    /// <param name="config">Resolved names, QoS and parameters; the pipeline must have been built from its Options.</param>
    /// <param name="time">Wall clock for stamp-to-publish latency and monotonic clock for input silence (tests pass their own).</param>
    public DepthNodeRuntime(NodeConfiguration config, DepthPipeline pipeline, IDepthOutputSink sink, ILogSink log,
        bool synchronous = false, TimeProvider? time = null)
    {
        _config = config;
        _options = config.Options;
        _pipeline = pipeline;
        _sink = sink;
        _time = time ?? TimeProvider.System;
        Func<TimeSpan> monotonic = () => _time.GetElapsedTime(0);
        // A bad message on a 30 Hz topic must not flood the console (the pipeline throttles its own drops the same way).
        _throttled = new ThrottledLog(log, TimeSpan.FromSeconds(_options.LogThrottleS), monotonic);
        _silence = new ThrottledLog(log, TimeSpan.FromSeconds(Math.Max(_options.InputTimeoutS, _options.LogThrottleS)), monotonic);
        _pairing = new CameraInfoPairing<Frame>(_options.SyncMode, _options.SyncSlopMs);
        if (config.Topic(NodeTopic.SparseDepth) is not null) _sparsePairing = new SparseDepthPairing(_options.SparseDepthSlopMs);
        _topics = (config.NameOf(NodeTopic.Depth), config.NameOf(NodeTopic.DepthCameraInfo), config.NameOf(NodeTopic.Cloud),
            config.NameOf(NodeTopic.Colorized), config.NameOf(NodeTopic.Metadata), config.NameOf(NodeTopic.Diagnostics));
        Array.Fill(_subscribers, 1);
        _startTimestamp = _time.GetTimestamp();
        foreach (var line in config.DescribeLines()) log.Write(LogLevel.Info, line);
        if (synchronous) return;
        _slot = new LatestFrameSlot<Frame>(_options.QueueSize);
        _worker = new Thread(Work) { IsBackground = true, Name = "depth_node inference" };
        _worker.Start();
    }

    public NodeConfiguration Configuration => _config;

    public NodeDiagnostics Diagnostics => _pipeline.Diagnostics;

    /// <summary>Called after each published frame, on the thread that processed it (previews, evaluation).</summary>
    public FrameDoneHandler? FrameDone { get; init; }

    /// <summary>A sensor_msgs/Image (or CompressedImage when <paramref name="compressed"/>) arrived.</summary>
    public void OnImage(ReadOnlySpan<byte> cdr, bool compressed, long receiveTimeNs)
    {
        Arrived(NodeTopic.Image);
        Frame? ready = null;
        lock (_gate)
        {
            var frame = _pool.Count > 0 ? _pool.Pop() : new Frame();
            var stamp = StampOf(cdr);
            frame.Load(cdr, compressed, receiveTimeNs, stamp, _time.GetTimestamp());
            if (_pairing.OfferImage(frame, stamp, out var pair, out var dropped, out var released))
                ready = Ready(pair.Image, pair.Info);
            if (released is not null) _pool.Push(released);
            if (dropped is { } why)
                _pipeline.ReportDropped(FrameDropReason.NoCameraInfo, why == PairingDrop.NoCameraInfoYet
                    ? $"no CameraInfo received on {_config.NameOf(NodeTopic.CameraInfo)} yet"
                    : $"no CameraInfo on {_config.NameOf(NodeTopic.CameraInfo)} matches the image stamp ({SnakeCase.From(_options.SyncMode.ToString())})");
        }
        if (ready is not null) Hand(ready);
    }

    /// <summary>A sensor_msgs/CameraInfo arrived.</summary>
    public void OnCameraInfo(ReadOnlySpan<byte> cdr)
    {
        Arrived(NodeTopic.CameraInfo);
        // Drivers republish the same calibration with every image. An unchanged body (everything after the 4-byte
        // encapsulation and the 8-byte stamp) is not decoded again: the CameraInfo already decoded is offered under the
        // new stamp, so pairing allocates nothing per message in every sync mode.
        const int bodyStart = 12;
        if (cdr.Length <= bodyStart)
        {
            _throttled.Log("camera_info", LogLevel.Warn, $"camera_info on {_config.NameOf(NodeTopic.CameraInfo)} unusable: {cdr.Length} bytes");
            return;
        }
        var stampNs = StampOf(cdr);
        var body = cdr[bodyStart..];
        CameraInfo info;
        if (_pairing.Latest is { } latest && body.SequenceEqual(_lastCameraInfoBody.AsSpan(0, _lastCameraInfoBodyLength)))
            info = latest;
        else
        {
            try { info = RosMessage.Deserialize<CameraInfo>(cdr.ToArray()); }
            catch (CdrException e)
            {
                _throttled.Log("camera_info", LogLevel.Warn, $"camera_info on {_config.NameOf(NodeTopic.CameraInfo)} unusable: {e.Message}");
                return;
            }
            if (_lastCameraInfoBody.Length < body.Length) _lastCameraInfoBody = new byte[body.Length];
            body.CopyTo(_lastCameraInfoBody);
            _lastCameraInfoBodyLength = body.Length;
        }
        Frame? ready = null;
        lock (_gate)
            if (_pairing.OfferCameraInfo(info, stampNs, out var pair)) ready = Ready(pair.Image, pair.Info);
        if (ready is not null) Hand(ready);
    }

    /// <summary>A sparse metric depth image (32FC1 metres or 16UC1 millimetres, camera grid) arrived. It is kept with
    /// its stamp; each image is fitted against the one nearest to it within <c>sparse_depth_slop_ms</c>.</summary>
    public void OnSparseDepth(ReadOnlySpan<byte> cdr)
    {
        Arrived(NodeTopic.SparseDepth);
        if (_sparsePairing is null) return;
        try
        {
            var view = ImageMessageView.Parse(cdr);
            lock (_gate) _sparsePairing.Offer(view);
        }
        catch (Exception e) when (e is IDataFormatError or InvalidDataException or OverflowException)
        {
            _throttled.Log("sparse_depth", LogLevel.Warn, $"sparse depth on {_config.NameOf(NodeTopic.SparseDepth)} unusable: {e.Message}");
        }
    }

    /// <summary>How many subscribers an output topic has (the adapter reports changes). An output without any is not
    /// computed; a frame none of whose outputs has a subscriber is not processed at all.</summary>
    public void SetSubscriberCount(NodeTopic output, int count) => Volatile.Write(ref _subscribers[(int)output], Math.Max(0, count));

    /// <summary>Warns (throttled) about each input topic that has been silent for <c>input_timeout_s</c>, naming the
    /// topic and the QoS the node subscribes with: a silent subscription is usually a wrong name or a QoS mismatch.</summary>
    public void CheckInputs()
    {
        if (_options.InputTimeoutS <= 0) return;
        var now = _time.GetTimestamp();
        foreach (var role in Inputs)
        {
            if (_config.Topic(role) is not { } topic) continue;
            var last = Interlocked.Read(ref _lastArrival[(int)role]);
            var silentS = (now - (last == 0 ? _startTimestamp : last)) / (double)_time.TimestampFrequency;
            if (silentS < _options.InputTimeoutS) continue;
            var what = last == 0 ? "nothing received" : "nothing received for " + silentS.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s";
            _silence.Log("silent_" + topic.Name, LogLevel.Warn,
                $"{what} on {topic.Name} ({topic.MessageType}); subscribed {topic.Qos}. Check that it is published " +
                $"(ros2 topic info -v {topic.Name}) with a compatible QoS (a best_effort publisher never reaches a reliable subscription)");
        }
    }

    /// <summary>End of input: an image still waiting for its CameraInfo will not get one.</summary>
    public void Flush()
    {
        lock (_gate)
            if (_pairing.Flush() is { } pending)
            {
                _pool.Push(pending);
                _pipeline.ReportDropped(FrameDropReason.NoCameraInfo, $"the last image never got a CameraInfo on {_config.NameOf(NodeTopic.CameraInfo)}");
            }
    }

    /// <summary>Waits until every frame handed to the worker has been processed or dropped.</summary>
    public bool Drain(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _inFlight) > 0)
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>Builds and publishes /diagnostics (once per diagnostics period; allocates, so never per frame).</summary>
    public void PublishDiagnostics(RosTime now)
    {
        CheckInputs();
        var r = Diagnostics.Report(TimeSpan.FromTicks(now.TotalNanoseconds / 100));
        var status = new DiagnosticStatus((byte)r.Level, "depth_node: " + r.Name, r.Message, "depth_node",
            r.Values.Select(kv => new KeyValue(kv.Key, kv.Value)).ToArray());
        lock (_diagnostics)
        {
            _diagnostics.Reset();
            RosMessage.Serialize(new DiagnosticArray(new Header(now, ""), [status]), _diagnostics);
            _sink.Publish(_topics.Diagnostics, _diagnostics.WrittenSpan, now.TotalNanoseconds);
        }
    }

    private Frame Ready(Frame frame, CameraInfo info)
    {
        frame.Info = info;
        return frame;
    }

    /// <summary>Synchronous: process now. Live: hand to the worker, recycling the frame it supersedes.</summary>
    private void Hand(Frame frame)
    {
        if (_slot is null)
        {
            Process(frame);
            return;
        }
        Interlocked.Increment(ref _inFlight);
        if (_slot.Offer(frame) is { } stale)
        {
            _pipeline.ReportDropped(FrameDropReason.Superseded);
            Recycle(stale);
        }
    }

    private void Work()
    {
        while (!_stopping)
            if (_slot!.TryTake(out var frame, TimeSpan.FromMilliseconds(100))) Process(frame);
    }

    private void Process(Frame frame)
    {
        try
        {
            lock (_processing)
            {
                var wanted = Wanted();
                if (wanted == WantedOutputs.None && !Subscribed(NodeTopic.DepthCameraInfo) && !Subscribed(NodeTopic.Metadata))
                {
                    Diagnostics.FrameSkippedNoSubscriber();
                    return;
                }
                _pipeline.Wanted = wanted;
                ReadOnlySpan<float> sparse = default;
                if (_sparsePairing is not null)
                {
                    int n;
                    long nearestNs;
                    lock (_gate) n = _sparsePairing.TakeNearest(frame.StampNs, ref _sparse, out nearestNs);
                    if (n == 0)
                    {
                        _pipeline.ReportDropped(FrameDropReason.MetricFitFailed, nearestNs == long.MaxValue
                            ? $"sparse_depth: nothing received on {_config.NameOf(NodeTopic.SparseDepth)} yet"
                            : $"sparse_depth: no scan on {_config.NameOf(NodeTopic.SparseDepth)} within {_options.SparseDepthSlopMs} ms of the image stamp (nearest {nearestNs / 1e6:0.#} ms)");
                        return;
                    }
                    sparse = _sparse.AsSpan(0, n);
                }
                var ok = frame.Compressed
                    ? _pipeline.ProcessCompressedImage(frame.Payload, frame.Info, sparse)
                    : _pipeline.ProcessImage(frame.Payload, frame.Info, sparse);
                if (!ok) return;
                var o = _pipeline.Outputs;
                if (o.HasDepth) _sink.Publish(_topics.Depth, o.Depth.WrittenSpan, frame.ReceiveTimeNs);
                if (o.HasCameraInfo) _sink.Publish(_topics.CameraInfo, o.CameraInfo.WrittenSpan, frame.ReceiveTimeNs);
                if (o.HasCloud) _sink.Publish(_topics.Cloud, o.Cloud.WrittenSpan, frame.ReceiveTimeNs);
                if (o.HasColorized) _sink.Publish(_topics.Colorized, o.Colorized.WrittenSpan, frame.ReceiveTimeNs);
                if (o.HasMetadata) _sink.Publish(_topics.Metadata, o.Metadata.WrittenSpan, frame.ReceiveTimeNs);
                var now = _time.GetTimestamp();
                var nowNs = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
                Diagnostics.FramePublished((nowNs - frame.StampNs) / 1e6, (now - frame.ArrivalTimestamp) * 1000.0 / _time.TimestampFrequency);
                FrameDone?.Invoke(Diagnostics.Processed - 1, frame.Payload, o);
            }
        }
        catch (Exception e) when (_slot is not null)
        {
            // Live, nothing a frame contains may stop the node (the pipeline already turns bad input into drops).
            _throttled.Log("unexpected", LogLevel.Error, $"unexpected error processing a frame: {e}");
        }
        finally
        {
            Recycle(frame);
        }
    }

    private bool Subscribed(NodeTopic topic) => Volatile.Read(ref _subscribers[(int)topic]) > 0;

    private WantedOutputs Wanted() =>
        (Subscribed(NodeTopic.Depth) ? WantedOutputs.Depth : 0) |
        (Subscribed(NodeTopic.Cloud) ? WantedOutputs.Cloud : 0) |
        (Subscribed(NodeTopic.Colorized) ? WantedOutputs.Colorized : 0);

    private void Arrived(NodeTopic role) => Interlocked.Exchange(ref _lastArrival[(int)role], _time.GetTimestamp());

    private void Recycle(Frame frame)
    {
        lock (_gate) _pool.Push(frame);
        if (_slot is not null) Interlocked.Decrement(ref _inFlight);
    }

    private static long StampOf(ReadOnlySpan<byte> payload)
    {
        try
        {
            var r = new CdrReader(payload);
            return new RosTime(r.ReadInt32("header.stamp.sec"), r.ReadUInt32("header.stamp.nanosec")).TotalNanoseconds;
        }
        catch (CdrException) { return 0; } // the pipeline reports the malformed message when it parses it
    }

    public void Dispose()
    {
        _stopping = true;
        _slot?.Close();
        _worker?.Join();
        _diagnostics.Dispose();
    }

    /// <summary>A copy of an incoming image (the middleware's buffer is only valid during the callback).</summary>
    private sealed class Frame
    {
        private byte[] _buffer = new byte[4096];
        private int _length;
        public bool Compressed { get; private set; }
        public long ReceiveTimeNs { get; private set; }
        public long StampNs { get; private set; }
        /// <summary>When the callback handed it in, in the runtime's monotonic timestamps.</summary>
        public long ArrivalTimestamp { get; private set; }
        public CameraInfo? Info { get; set; }
        public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, _length);

        public void Load(ReadOnlySpan<byte> payload, bool compressed, long receiveTimeNs, long stampNs, long arrivalTimestamp)
        {
            StampNs = stampNs;
            ArrivalTimestamp = arrivalTimestamp;
            if (_buffer.Length < payload.Length) _buffer = new byte[payload.Length];
            payload.CopyTo(_buffer);
            _length = payload.Length;
            Compressed = compressed;
            ReceiveTimeNs = receiveTimeNs;
            Info = null;
        }
    }
}
