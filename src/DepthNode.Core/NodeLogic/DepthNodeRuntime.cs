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
/// <see cref="OnCameraInfo"/>, <see cref="OnSparseDepth"/>); images are paired with their CameraInfo, run through
/// <see cref="DepthPipeline"/>, and every output is published through the sink; <see cref="PublishDiagnostics"/>
/// reports health once per period.
/// <para>
/// Live (<c>synchronous: false</c>), a worker thread runs the pipeline on the newest paired frame and callbacks never
/// wait for inference: a frame that arrives while the worker is busy replaces the waiting one (counted as superseded),
/// so latency stays bounded by one inference however fast the camera runs. Synchronous (bag runs, tests), each frame is
/// processed inside the callback that completes it, so every frame is processed and runs are deterministic.
/// </para>
/// Frame buffers are pooled: steady state allocates nothing per frame.
/// </summary>
public sealed class DepthNodeRuntime : IDisposable
{
    private readonly DepthNodeOptions _options;
    private readonly DepthPipeline _pipeline;
    private readonly IDepthOutputSink _sink;
    private readonly ThrottledLog _throttled;
    private readonly CameraInfoPairing<Frame> _pairing;
    private readonly LatestFrameSlot<Frame>? _slot;
    private readonly Thread? _worker;
    private readonly Stack<Frame> _pool = new();
    private readonly object _gate = new();
    private readonly object _processing = new();
    private readonly CdrWriter _diagnostics = new(2048);
    private readonly (string Depth, string CameraInfo, string Cloud, string Colorized, string Metadata) _topics;
    private byte[] _lastCameraInfoBody = [];
    private float[] _sparse = [];
    private int _sparseLength;
    private int _inFlight;
    private volatile bool _stopping;

    public DepthNodeRuntime(DepthNodeOptions options, DepthPipeline pipeline, IDepthOutputSink sink, ILogSink log, bool synchronous = false)
    {
        _options = options;
        _pipeline = pipeline;
        _sink = sink;
        // A bad message on a 30 Hz topic must not flood the console (the pipeline throttles its own drops the same way).
        _throttled = new ThrottledLog(log, TimeSpan.FromSeconds(options.LogThrottleS));
        _pairing = new CameraInfoPairing<Frame>(options.SyncMode, options.SyncSlopMs);
        // Built once: the options derive topic names on each access.
        _topics = (options.DepthTopic, options.DepthCameraInfoTopic, options.CloudTopic, options.ColorizedTopic, options.MetadataTopic);
        if (synchronous) return;
        _slot = new LatestFrameSlot<Frame>(options.QueueSize);
        _worker = new Thread(Work) { IsBackground = true, Name = "depth_node inference" };
        _worker.Start();
    }

    public NodeDiagnostics Diagnostics => _pipeline.Diagnostics;

    /// <summary>Called after each published frame, on the thread that processed it (previews, evaluation).</summary>
    public FrameDoneHandler? FrameDone { get; init; }

    /// <summary>A sensor_msgs/Image (or CompressedImage when <paramref name="compressed"/>) arrived.</summary>
    public void OnImage(ReadOnlySpan<byte> cdr, bool compressed, long receiveTimeNs)
    {
        Frame? ready = null;
        lock (_gate)
        {
            var frame = _pool.Count > 0 ? _pool.Pop() : new Frame();
            frame.Load(cdr, compressed, receiveTimeNs);
            if (_pairing.OfferImage(frame, StampOf(cdr), out var pair, out var dropped, out var released))
                ready = Ready(pair.Image, pair.Info);
            if (released is not null) _pool.Push(released);
            if (dropped is { } why)
                _pipeline.ReportDropped(FrameDropReason.NoCameraInfo, why == PairingDrop.NoCameraInfoYet
                    ? $"no CameraInfo received on {_options.CameraInfoTopic} yet"
                    : $"no CameraInfo on {_options.CameraInfoTopic} matches the image stamp ({SnakeCase.From(_options.SyncMode.ToString())})");
        }
        if (ready is not null) Hand(ready);
    }

    /// <summary>A sensor_msgs/CameraInfo arrived.</summary>
    public void OnCameraInfo(ReadOnlySpan<byte> cdr)
    {
        // Drivers republish the same calibration with every image. In cache_latest mode only its content matters, so an
        // unchanged body (everything after the 4-byte encapsulation and the 8-byte stamp) is not decoded again.
        const int bodyStart = 12;
        if (_options.SyncMode == CameraInfoSyncMode.CacheLatest && cdr.Length > bodyStart && _pairing.Latest is not null &&
            cdr[bodyStart..].SequenceEqual(_lastCameraInfoBody))
            return;
        CameraInfo info;
        try { info = RosMessage.Deserialize<CameraInfo>(cdr.ToArray()); }
        catch (CdrException e)
        {
            _throttled.Log("camera_info", LogLevel.Warn, $"camera_info on {_options.CameraInfoTopic} unusable: {e.Message}");
            return;
        }
        if (cdr.Length > bodyStart) _lastCameraInfoBody = cdr[bodyStart..].ToArray();
        Frame? ready = null;
        lock (_gate)
            if (_pairing.OfferCameraInfo(info, out var pair)) ready = Ready(pair.Image, pair.Info);
        if (ready is not null) Hand(ready);
    }

    /// <summary>A sparse metric depth image (32FC1 metres or 16UC1 millimetres, camera grid) arrived.</summary>
    public void OnSparseDepth(ReadOnlySpan<byte> cdr)
    {
        try
        {
            var view = ImageMessageView.Parse(cdr);
            lock (_gate) _sparseLength = SparseDepth.Decode(view, ref _sparse);
        }
        catch (Exception e) when (e is IDataFormatError or InvalidDataException or OverflowException)
        {
            _throttled.Log("sparse_depth", LogLevel.Warn, $"sparse depth on {_options.SparseDepthTopic} unusable: {e.Message}");
        }
    }

    /// <summary>End of input: an image still waiting for its CameraInfo will not get one.</summary>
    public void Flush()
    {
        lock (_gate)
            if (_pairing.Flush() is { } pending)
            {
                _pool.Push(pending);
                _pipeline.ReportDropped(FrameDropReason.NoCameraInfo, $"the last image never got a CameraInfo on {_options.CameraInfoTopic}");
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
        var r = Diagnostics.Report(TimeSpan.FromTicks(now.TotalNanoseconds / 100));
        var status = new DiagnosticStatus((byte)r.Level, "depth_node: " + r.Name, r.Message, "depth_node",
            r.Values.Select(kv => new KeyValue(kv.Key, kv.Value)).ToArray());
        lock (_diagnostics)
        {
            _diagnostics.Reset();
            RosMessage.Serialize(new DiagnosticArray(new Header(now, ""), [status]), _diagnostics);
            _sink.Publish("/diagnostics", _diagnostics.WrittenSpan, now.TotalNanoseconds);
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
                ReadOnlySpan<float> sparse;
                lock (_gate) sparse = _sparseLength > 0 ? _sparse.AsSpan(0, _sparseLength) : default;
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
        public CameraInfo? Info { get; set; }
        public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, _length);

        public void Load(ReadOnlySpan<byte> payload, bool compressed, long receiveTimeNs)
        {
            if (_buffer.Length < payload.Length) _buffer = new byte[payload.Length];
            payload.CopyTo(_buffer);
            _length = payload.Length;
            Compressed = compressed;
            ReceiveTimeNs = receiveTimeNs;
            Info = null;
        }
    }
}
