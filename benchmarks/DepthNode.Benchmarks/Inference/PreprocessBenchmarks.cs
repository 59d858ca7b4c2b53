using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DepthNode.Imaging;
using DepthNode.Inference;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Benchmarks.Inference;

/// <summary>
/// A 1242×375 KITTI rgb8 frame into an ImageNet-normalised NCHW tensor, DepthNode's one-pass pre-processor against
/// the usual OpenCV pipeline (CvtColor when the channel order differs, Resize INTER_AREA, ConvertTo float,
/// Subtract/Divide by mean/std, Split into planes, copy into the tensor), same frame, same run, OpenCV on one thread.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class PreprocessBenchmarks
{
    private static readonly ModelInputSpec Spec = new("x", TensorLayout.Nchw, ColorOrder.Rgb, 1 / 255f,
        [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], SizePolicy.Fixed(224, 224));

    [Params("224x224", "826x252")]
    public string Size { get; set; } = "224x224";

    [Params("rgb8", "bgr8")]
    public string Encoding { get; set; } = "rgb8";

    private byte[] _pixels = [];
    private Mat _frame = new();
    private float[] _tensor = [];
    private ImagePreprocessor _pre = null!;
    private TensorSize _size;
    private readonly Mat _rgb = new(), _resized = new(), _float = new();

    [GlobalSetup]
    public void Setup()
    {
        Cv2.SetNumThreads(1); // the budget is per core, and DepthNode's pre-processor runs on one thread
        var parts = Size.Split('x');
        _size = new TensorSize(int.Parse(parts[0]), int.Parse(parts[1]));
        using var bgr = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "rgb", "0000000005.png"));
        _frame = Encoding == "rgb8" ? bgr.CvtColor(ColorConversionCodes.BGR2RGB) : bgr.Clone();
        _frame.GetArray(out Vec3b[] px);
        _pixels = MemoryMarshal.AsBytes(px.AsSpan()).ToArray();
        _tensor = new float[3 * _size.Width * _size.Height];
        _pre = new ImagePreprocessor(Spec);
    }

    [Benchmark(Baseline = true)]
    public void OpenCv()
    {
        var src = _frame;
        if (Encoding == "bgr8") { Cv2.CvtColor(_frame, _rgb, ColorConversionCodes.BGR2RGB); src = _rgb; }
        Cv2.Resize(src, _resized, new OpenCvSharp.Size(_size.Width, _size.Height), 0, 0, InterpolationFlags.Area);
        _resized.ConvertTo(_float, MatType.CV_32FC3, 1 / 255.0);
        Cv2.Subtract(_float, new Scalar(0.485, 0.456, 0.406), _float);
        Cv2.Divide(_float, new Scalar(0.229, 0.224, 0.225), _float);
        Cv2.Split(_float, out var planes);
        var plane = _size.Width * _size.Height;
        for (var c = 0; c < 3; c++)
        {
            Marshal.Copy(planes[c].Data, _tensor, c * plane, plane);
            planes[c].Dispose();
        }
    }

    [Benchmark]
    public void DepthNode() =>
        _pre.Run(ImageView.Create(Encoding, 1242, 375, 1242 * 3, false, _pixels), _tensor, _size);
}
