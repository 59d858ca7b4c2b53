using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using DepthNode.Camera;
using DepthNode.Cdr;
using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Messages;
using DepthNode.PointClouds;

namespace DepthNode.NodeLogic;

/// <summary>
/// The node's job for one frame, without ROS around it: a serialized camera image and its CameraInfo in; metric depth,
/// CameraInfo, an organized point cloud, colourised depth and metadata out, each serialized into its reused buffer in
/// <see cref="Outputs"/>, all stamped with the input's header.
/// <para>
/// Stages: decode (in place for raw images) → pre-process straight into the network's input tensor → inference →
/// metric fit (on the network output; sparse depth on the camera grid) → resize to the camera resolution and make
/// metric in one pass, straight into the depth message's data → point cloud and colourised depth read from there and
/// written into their own messages. After the first frame of a given size nothing on this path allocates (compressed
/// input excepted: OpenCV decodes into a new native image each time, the managed decoder allocates its
/// tables per image).
/// </para>
/// Bad input never throws out of here: the frame is dropped, counted under its reason in <see cref="Diagnostics"/>,
/// logged (throttled), and the next frame is processed normally.
/// </summary>
public sealed class DepthPipeline : IDisposable
{
    // Parameter names in messages come from the declared table, so a renamed parameter cannot leave a stale name here.
    private static readonly string MetricSourceParameter = DepthNodeOptions.Table.Of(nameof(DepthNodeOptions.MetricSource)).Name;
    private static readonly string CloudRgbParameter = DepthNodeOptions.Table.Of(nameof(DepthNodeOptions.CloudRgb)).Name;

    private readonly DepthNodeOptions _options;
    private readonly string _sparseDepthTopic;
    private readonly IDepthModel _model;
    private readonly ThrottledLog _log;
    private readonly ImagePreprocessor _preprocessor;
    private readonly DepthOutputResampler _resampler = new();
    private readonly DepthOutputResampler _sparseGrid = new(); // own tables: the camera grid differs from the published one when downscaled
    private readonly CompressedImageDecoder _compressed;
    private readonly string _decoderLogLine;
    private readonly ILogSink _sink;
    private readonly PointCloudBuilder _cloud;
    private readonly DepthColorizer _colorizer;
    private readonly FixedMetricScale? _fixedScale;
    private readonly SparseDepthAligner? _sparse;
    private readonly byte[]? _frameIdOverride;
    private readonly string _metricSourceName;
    private readonly bool _publishFloatDepth;
    private readonly Func<int, int, (int Width, int Height)>? _decodeAtLeast;

    private float[] _prediction = [];
    private GroundPlaneAligner? _groundPlane;
    private int _groundPlaneHeight;
    private float[] _metric = [];
    private byte[] _grey = [];
    private byte[] _shrunk = [];
    private CameraInfo? _cameraInfoSource;
    private int _cameraImageWidth, _cameraImageHeight;
    private CameraInfo? _outputCameraInfo;
    private CameraModel? _camera;
    private string _lastFormat = "";
    private byte[] _lastFormatUtf8 = [];
    private long _droppedSinceOutput;
    private bool _decoderLogged;

    /// <summary>For a node in the root namespace without remaps (bag playback, eval, bench).</summary>
    public DepthPipeline(DepthNodeOptions options, IDepthModel model, NodeDiagnostics diagnostics, ILogSink log)
        : this(NodeConfiguration.ForOptions(options), model, diagnostics, log)
    {
    }

    /// <summary>For the node as configured: messages name its topics as it resolved them (namespace, remaps).</summary>
    public DepthPipeline(NodeConfiguration node, IDepthModel model, NodeDiagnostics diagnostics, ILogSink log)
    {
        var options = node.Options;
        _options = options.Validate();
        _sparseDepthTopic = node.NameOf(NodeTopic.SparseDepth);
        _model = model;
        Diagnostics = diagnostics;
        Diagnostics.Provider = model.Provider;
        _log = new ThrottledLog(log, TimeSpan.FromSeconds(options.LogThrottleS));
        _sink = log;
        var decoder = CompressedDecoderChoice.Resolve(options.CompressedDecoder);
        _compressed = new CompressedImageDecoder(decoder.Backend);
        _decoderLogLine = decoder.LogLine;
        _preprocessor = new ImagePreprocessor(model.Card.Input);
        _cloud = new PointCloudBuilder(new PointCloudOptions
        {
            Stride = options.CloudStride,
            MinDepth = (float)options.CloudMinRangeM,
            MaxDepth = (float)options.CloudMaxRangeM,
            Rgb = options.CloudRgb,
        });
        _colorizer = new DepthColorizer(options.ColorizeMaxM > options.ColorizeMinM
            ? new DepthColorizerOptions { MinDepth = (float)options.ColorizeMinM, MaxDepth = (float)options.ColorizeMaxM }
            : new DepthColorizerOptions());
        var kind = model.Card.Output.Kind;
        switch (options.MetricSource)
        {
            case MetricSource.Model when kind != DepthOutputKind.MetricDepth:
                throw new InvalidDataException(
                    $"{MetricSourceParameter} '{SnakeCase.From(nameof(MetricSource.Model))}' needs a network that outputs metres, " +
                    $"but {model.Card.Name} outputs {kind}; use " +
                    string.Join(", ", DepthNodeOptions.Table.Of(nameof(DepthNodeOptions.MetricSource)).AllowedValues.Where(v => v != SnakeCase.From(nameof(MetricSource.Model)))));
            case MetricSource.Model:
                _fixedScale = FixedMetricScale.Model;
                break;
            case MetricSource.Fixed:
                _fixedScale = new FixedMetricScale(new FixedScaleOptions(options.FixedScale, options.FixedShift));
                break;
            case MetricSource.GroundPlane:
                break; // built for the network's output height on the first frame (GroundPlaneFor)
            case MetricSource.SparseDepth:
                _sparse = new SparseDepthAligner(new SparseDepthOptions(Smoothing: new SmoothingOptions()));
                break;
        }
        _metricSourceName = SnakeCase.From(options.MetricSource.ToString());
        if (options.FrameId.Length > 0) _frameIdOverride = Encoding.UTF8.GetBytes(options.FrameId);
        _publishFloatDepth = options.PublishDepth && options.DepthEncoding == "32FC1";
        // A JPEG is decoded only as large as the network input needs, unless the cloud takes its colours from it.
        if (!options.CloudRgb) _decodeAtLeast = (w, h) => { var s = _model.InputSizeFor(w, h); return (s.Width, s.Height); };
    }

    public NodeDiagnostics Diagnostics { get; }
    public DepthOutputs Outputs { get; } = new();

    /// <summary>The optional outputs someone subscribes to, set by the runtime before each frame: the others are not
    /// computed (the cloud costs most). CameraInfo and metadata are cheap and always written.</summary>
    public WantedOutputs Wanted { get; set; } = WantedOutputs.All;

    /// <summary>The last fitted metric scale/shift (for the metadata message and diagnostics).</summary>
    public MetricFit LastFit { get; private set; }

    /// <summary>Processes one serialized sensor_msgs/Image. Returns false when the frame was dropped (and counted).</summary>
    /// <param name="sparseDepth">Metric depth in metres on the camera's pixel grid (NaN or 0 = no measurement); needed by
    /// <c>sparse_depth</c>, ignored otherwise.</param>
    public bool ProcessImage(ReadOnlySpan<byte> imageCdr, CameraInfo? cameraInfo, ReadOnlySpan<float> sparseDepth = default)
    {
        var t0 = Stopwatch.GetTimestamp();
        Diagnostics.FrameReceived();
        ImageMessageView message;
        ImageView image;
        try
        {
            message = ImageMessageView.Parse(imageCdr);
            image = ImageView.From(message);
        }
        catch (Exception e) when (e is IDataFormatError)
        {
            return Drop(FrameDropReason.BadImage, "image: " + e.Message);
        }
        Diagnostics.Timings.Record(PipelineStage.Decode, t0, Stopwatch.GetTimestamp());
        return Process(message.Header, image, image.Width, image.Height, cameraInfo, sparseDepth, t0);
    }

    /// <summary>Processes one serialized sensor_msgs/CompressedImage (jpeg or png).</summary>
    public bool ProcessCompressedImage(ReadOnlySpan<byte> compressedCdr, CameraInfo? cameraInfo, ReadOnlySpan<float> sparseDepth = default)
    {
        var t0 = Stopwatch.GetTimestamp();
        Diagnostics.FrameReceived();
        if (!_decoderLogged)
        {
            _sink.Write(LogLevel.Info, _decoderLogLine);
            _decoderLogged = true;
        }
        CompressedImageMessageView message;
        ImageView image;
        try
        {
            message = CompressedImageMessageView.Parse(compressedCdr);
            image = _compressed.Decode(FormatName(message.FormatUtf8), message.Data, _decodeAtLeast);
        }
        catch (Exception e) when (e is IDataFormatError)
        {
            return Drop(FrameDropReason.DecodeFailed, "compressed image: " + e.Message);
        }
        Diagnostics.Timings.Record(PipelineStage.Decode, t0, Stopwatch.GetTimestamp());
        return Process(message.Header, image, _compressed.DeclaredSize.Width, _compressed.DeclaredSize.Height, cameraInfo, sparseDepth, t0);
    }

    /// <summary>Counts a frame that never reached the pipeline (superseded in the queue, no CameraInfo to pair with).</summary>
    public void ReportDropped(FrameDropReason reason, string? error = null)
    {
        Diagnostics.FrameReceived();
        Drop(reason, error);
    }

    /// <param name="width">The camera image's width: the image itself is smaller when a JPEG was decoded reduced.</param>
    private bool Process(HeaderView inputHeader, in ImageView image, int width, int height, CameraInfo? cameraInfo, ReadOnlySpan<float> sparseDepth, long t0)
    {
        Outputs.Begin();
        if (cameraInfo is null)
            return Drop(FrameDropReason.NoCameraInfo, $"no CameraInfo received on {_options.CameraInfoTopic}; depth needs the intrinsics");
        try
        {
            if (!UpdateCamera(cameraInfo, width, height, OutputSide(width), OutputSide(height)))
                return Drop(FrameDropReason.CameraInfoSizeMismatch,
                    $"camera_info is for {cameraInfo.Width}x{cameraInfo.Height} (binning {cameraInfo.BinningX}x{cameraInfo.BinningY}, " +
                    $"roi {cameraInfo.Roi.Width}x{cameraInfo.Roi.Height}), the image is {width}x{height}");
        }
        catch (InvalidCameraInfoException e)
        {
            return Drop(FrameDropReason.BadCameraInfo, e.Message);
        }
        var header = new HeaderView(inputHeader.Stamp, _frameIdOverride is null ? inputHeader.FrameIdUtf8 : _frameIdOverride);
        // w×h: the published resolution (the camera's, or output_scale of it); the image itself may be larger.
        int w = OutputSide(width), h = OutputSide(height), pixels = w * h;
        int imagePixels = width * height;
        var kind = _model.Card.Output.Kind;

        // Network.
        DepthOutputView output;
        int nonFinite;
        float inferenceMs;
        try
        {
            var t = Stopwatch.GetTimestamp();
            var size = _model.InputSizeFor(width, height);
            _preprocessor.Run(image, _model.GetInputBuffer(size), size);
            var tInfer = Stopwatch.GetTimestamp();
            Diagnostics.Timings.Record(PipelineStage.Preprocess, t, tInfer);
            output = _model.Run();
            t = Stopwatch.GetTimestamp();
            inferenceMs = (float)((t - tInfer) * 1000.0 / Stopwatch.Frequency);
            Diagnostics.Timings.Record(PipelineStage.Inference, tInfer, t);
            nonFinite = DepthOutputResampler.CountNonFinite(output.Values);
            if (nonFinite == output.Values.Length)
                return Drop(FrameDropReason.ModelFailed, $"{_model.Card.Name}: the network output has no finite value");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Drop(FrameDropReason.ModelFailed, $"{_model.Card.Name}: {e.Message}");
        }

        // Metric scale. The ground plane is fitted on the network output itself (its rows map linearly to image rows),
        // so the full-resolution prediction is never materialised; sparse depth needs the camera grid.
        var tFit = Stopwatch.GetTimestamp();
        MetricFit fit;
        if (_fixedScale is not null) fit = _fixedScale.Fit;
        else if (_options.MetricSource == MetricSource.GroundPlane)
        {
            var sy = (double)output.Height / h;
            fit = GroundPlaneFor(output.Height).Fit(output.Values, output.Width, output.Height, _camera!.Fy * sy, (_camera.Cy + 0.5) * sy - 0.5, kind);
        }
        else if (sparseDepth.Length != imagePixels)
            return Drop(FrameDropReason.MetricFitFailed, sparseDepth.IsEmpty
                ? $"{_metricSourceName}: no sparse depth received on {_sparseDepthTopic}"
                : $"{_metricSourceName}: {sparseDepth.Length} pixels for a {width}x{height} image");
        else
        {
            // The sparse points live on the camera's pixel grid: the prediction is fitted there.
            EnsureCapacity(ref _prediction, imagePixels);
            _sparseGrid.Run(output.Values, output.Width, output.Height, _prediction, width, height);
            fit = _sparse!.Fit(_prediction.AsSpan(0, imagePixels), sparseDepth, kind);
        }
        Diagnostics.Timings.Record(PipelineStage.MetricFit, tFit, Stopwatch.GetTimestamp());
        if (!fit.IsUsable) return Drop(FrameDropReason.MetricFitFailed, $"{_metricSourceName}: {fit}");
        LastFit = fit;

        // Metric depth at camera resolution, straight into the outgoing depth message when it is 32FC1.
        var tOut = Stopwatch.GetTimestamp();
        var publish32 = _publishFloatDepth;
        Span<float> depth;
        if (publish32)
            depth = MemoryMarshal.Cast<byte, float>(Image.WriteUpToData(Outputs.Depth, header, (uint)h, (uint)w, "32FC1", (uint)(w * 4)));
        else
        {
            EnsureCapacity(ref _metric, pixels);
            depth = _metric.AsSpan(0, pixels);
        }
        _resampler.RunMetric(output.Values, output.Width, output.Height, depth, w, h, MetricMapping.For(fit, kind));
        var tEncode = Stopwatch.GetTimestamp();
        Diagnostics.Timings.Record(PipelineStage.Postprocess, tOut, tEncode);
        var depthWanted = _options.PublishDepth && (Wanted & WantedOutputs.Depth) != 0;
        if (depthWanted && !publish32)
        {
            var mm = MemoryMarshal.Cast<byte, ushort>(Image.WriteUpToData(Outputs.Depth, header, (uint)h, (uint)w, "16UC1", (uint)(w * 2)));
            DepthEncoding.MetresToMillimetres(depth, w, h, w, mm, w);
        }
        if (depthWanted)
        {
            Outputs.Depth.Flush();
            Outputs.HasDepth = true;
        }
        _outputCameraInfo!.Write(Outputs.CameraInfo, header);
        Outputs.CameraInfo.Flush();
        Outputs.HasCameraInfo = true;
        Diagnostics.Timings.Record(PipelineStage.Encode, tEncode, Stopwatch.GetTimestamp());

        if (_options.PublishCloud && (Wanted & WantedOutputs.Cloud) != 0)
        {
            var t = Stopwatch.GetTimestamp();
            var layout = _cloud.Layout;
            var points = PointCloud2.WriteUpToData(Outputs.Cloud, header, (uint)layout.Height, (uint)layout.Width, _cloud.Fields, (uint)layout.PointStep, out var isDense);
            PointCloudResult result;
            if (!_options.CloudRgb) result = _cloud.Build(depth, w, h, w, points);
            else if (ColorOf(image) is { } color)
                result = w == image.Width && h == image.Height
                    ? _cloud.Build(depth, w, h, w, image.Data, image.Step, color, points)
                    : _cloud.Build(depth, w, h, w, Shrink(image, color, w, h), w * color.BytesPerPixel, color, points);
            else result = _cloud.Build(depth, w, h, w, Grey(pixels), w, ColorLayout.Mono8, points);
            isDense[0] = result.IsDense ? (byte)1 : (byte)0;
            Outputs.Cloud.Flush();
            Outputs.HasCloud = true;
            Diagnostics.Timings.Record(PipelineStage.PointCloud, t, Stopwatch.GetTimestamp());
        }
        if (_options.PublishColorized && (Wanted & WantedOutputs.Colorized) != 0)
        {
            var t = Stopwatch.GetTimestamp();
            var rgb = Image.WriteUpToData(Outputs.Colorized, header, (uint)h, (uint)w, "rgb8", (uint)(w * 3));
            _colorizer.Colorize(depth, w, h, w, rgb, w * 3);
            Outputs.Colorized.Flush();
            Outputs.HasColorized = true;
            Diagnostics.Timings.Record(PipelineStage.Colorize, t, Stopwatch.GetTimestamp());
        }

        WriteMetadata(header, fit, inferenceMs);
        Diagnostics.FrameProcessed(_metricSourceName, fit.Scale, fit.Shift, nonFinite);
        var tEnd = Stopwatch.GetTimestamp();
        Diagnostics.Timings.Record(PipelineStage.Total, t0, tEnd);
        Diagnostics.Timings.RecordMs(PipelineStage.NonNetwork, (tEnd - t0) * 1000.0 / Stopwatch.Frequency - inferenceMs);
        return true;
    }

    private void WriteMetadata(in HeaderView header, in MetricFit fit, float inferenceMs)
    {
        var w = Outputs.Metadata;
        header.Write(w);
        w.WriteString(_model.Card.Name);
        w.WriteString(_metricSourceName);
        w.WriteSingle((float)fit.Scale);
        w.WriteSingle((float)fit.Shift);
        w.WriteSingle(inferenceMs);
        // Drops are also reported from the subscription thread (superseded frames), hence the atomic exchange.
        w.WriteUInt32((uint)Math.Min(uint.MaxValue, Interlocked.Exchange(ref _droppedSinceOutput, 0)));
        w.Flush();
        Outputs.HasMetadata = true;
    }

    /// <summary>
    /// Rebuilds the camera model (and so the ray table) only when the CameraInfo or the published size changes.
    /// The CameraInfo must describe the image: its size, with binning and ROI folded in as image_geometry does, must be
    /// the image's (returns false otherwise; a size that nothing in the CameraInfo explains would only be a guess).
    /// When the published size differs (output_scale &lt; 1, or binning/ROI), the CameraInfo is rescaled on both
    /// axes to it, and that rescaled CameraInfo is what is published with the depth.
    /// </summary>
    /// <exception cref="InvalidCameraInfoException">The CameraInfo cannot describe a pinhole camera.</exception>
    private bool UpdateCamera(CameraInfo info, int imageWidth, int imageHeight, int width, int height)
    {
        // The published size follows from the image size, so the image size is the cache key.
        if (ReferenceEquals(info, _cameraInfoSource) && imageWidth == _cameraImageWidth && imageHeight == _cameraImageHeight) return true;
        if (_cameraInfoSource is not null && imageWidth == _cameraImageWidth && imageHeight == _cameraImageHeight && SameCalibration(info, _cameraInfoSource))
        {
            _cameraInfoSource = info;
            return true;
        }
        var camera = CameraModel.FromCameraInfo(info, _options.Intrinsics);
        if (camera.Width != imageWidth || camera.Height != imageHeight) return false;
        // Republished as received only when neither binning, ROI nor output_scale changes what it describes.
        var sameSize = camera.Width == width && camera.Height == height && info.Width == width && info.Height == height;
        _camera = camera.Width == width && camera.Height == height ? camera : camera.Scaled(width, height);
        _outputCameraInfo = sameSize ? info : CameraModel.ScaleCameraInfo(info, width, height);
        _cloud.SetCamera(_camera);
        (_cameraInfoSource, _cameraImageWidth, _cameraImageHeight) = (info, imageWidth, imageHeight);
        return true;
    }

    private static bool SameCalibration(CameraInfo a, CameraInfo b) =>
        a.Width == b.Width && a.Height == b.Height && a.DistortionModel == b.DistortionModel && a.BinningX == b.BinningX &&
        a.BinningY == b.BinningY && a.Roi == b.Roi && a.K.AsSpan().SequenceEqual(b.K) && a.P.AsSpan().SequenceEqual(b.P) &&
        a.R.AsSpan().SequenceEqual(b.R) && a.D.AsSpan().SequenceEqual(b.D);

    /// <summary>Where the colour of a pixel is, for coloured clouds (depth_image_proc xyzrgb reads these encodings).</summary>
    private ColorLayout? ColorOf(in ImageView image) => image.Encoding switch
    {
        PixelEncoding.Rgb8 => ColorLayout.Rgb8,
        PixelEncoding.Bgr8 => ColorLayout.Bgr8,
        PixelEncoding.Rgba8 => ColorLayout.Rgba8,
        PixelEncoding.Bgra8 => ColorLayout.Bgra8,
        PixelEncoding.Mono8 => ColorLayout.Mono8,
        _ => NoColor(image.Encoding),
    };

    private ColorLayout? NoColor(PixelEncoding encoding)
    {
        _log.Log(CloudRgbParameter, LogLevel.Warn, $"{CloudRgbParameter}: {PixelEncodings.Name(encoding)} input has no colour layout a cloud can use; points are grey");
        return null;
    }

    /// <summary>A published side for an image side: output_scale of it, at least one pixel.</summary>
    private int OutputSide(int imageSide) => _options.OutputScale == 1.0 ? imageSide : Math.Max(1, (int)Math.Round(imageSide * _options.OutputScale));

    /// <summary>The colour image at the published resolution (nearest pixel), for coloured clouds of a downscaled output.</summary>
    private ReadOnlySpan<byte> Shrink(in ImageView image, ColorLayout color, int width, int height)
    {
        var bpp = color.BytesPerPixel;
        EnsureCapacity(ref _shrunk, width * height * bpp);
        for (var y = 0; y < height; y++)
        {
            var src = image.Row(Math.Min(image.Height - 1, (int)((y + 0.5) * image.Height / height)));
            var dst = _shrunk.AsSpan(y * width * bpp, width * bpp);
            for (var x = 0; x < width; x++)
                src.Slice(Math.Min(image.Width - 1, (int)((x + 0.5) * image.Width / width)) * bpp, bpp).CopyTo(dst.Slice(x * bpp, bpp));
        }
        return _shrunk;
    }

    /// <summary>Mid-grey for clouds whose input has no usable colour: the point layout stays the configured xyzrgb.</summary>
    private ReadOnlySpan<byte> Grey(int pixels)
    {
        if (_grey.Length < pixels) { _grey = new byte[pixels]; _grey.AsSpan().Fill(128); }
        return _grey;
    }

    /// <summary>The ground-plane fitter for this output height: every row of a small output, every n-th of a large one,
    /// so the robust fit sees a few thousand road samples whatever the network.</summary>
    private GroundPlaneAligner GroundPlaneFor(int outputHeight)
    {
        if (_groundPlane is null || _groundPlaneHeight != outputHeight)
        {
            _groundPlane = new GroundPlaneAligner(new GroundPlaneOptions(_options.CameraHeightM, _options.CameraPitchRad,
                Stride: Math.Max(1, outputHeight / 100), Smoothing: new SmoothingOptions()));
            _groundPlaneHeight = outputHeight;
        }
        return _groundPlane;
    }

    private static readonly string[] DropNames = Enum.GetValues<FrameDropReason>().Select(r => SnakeCase.From(r.ToString())).ToArray();

    private bool Drop(FrameDropReason reason, string? error)
    {
        Diagnostics.FrameDropped(reason, error);
        Interlocked.Increment(ref _droppedSinceOutput);
        if (error is not null && reason != FrameDropReason.Superseded)
            _log.Log(DropNames[(int)reason], LogLevel.Warn, $"frame dropped ({DropNames[(int)reason]}): {error}");
        return false;
    }

    private string FormatName(ReadOnlySpan<byte> utf8)
    {
        if (!utf8.SequenceEqual(_lastFormatUtf8))
        {
            _lastFormatUtf8 = utf8.ToArray();
            _lastFormat = Encoding.UTF8.GetString(utf8);
        }
        return _lastFormat;
    }

    private static void EnsureCapacity<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[length];
    }

    public void Dispose()
    {
        _compressed.Dispose();
        Outputs.Dispose();
    }
}
