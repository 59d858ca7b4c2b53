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
/// an OpenCV pipeline (CvtColor when the channel order differs, Resize INTER_AREA, Split, ConvertTo float with the
/// normalisation straight into the tensor's planes), same frame, same run, OpenCV on one thread.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
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
    private readonly Mat _rgb = new(), _resized = new();
    private Mat[] _tensorPlanes = [];

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
        _tensor = GC.AllocateArray<float>(3 * _size.Width * _size.Height, pinned: true);
        var plane = _size.Width * _size.Height;
        // The array is pinned for its lifetime, so its address is stable.
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(_tensor, 0);
        _tensorPlanes = Enumerable.Range(0, 3)
            .Select(c => Mat.FromPixelData(_size.Height, _size.Width, MatType.CV_32FC1, address + c * plane * sizeof(float))).ToArray();
        _pre = new ImagePreprocessor(Spec);

        // Both sides must compute the same tensor (OpenCV's 8-bit resize rounds: ≤ 0.5 grey level ≈ 0.009).
        OpenCv();
        var reference = _tensor.ToArray();
        DepthNode();
        var worst = reference.Zip(_tensor, (a, b) => Math.Abs(a - b)).Max();
        if (worst > 0.02) throw new InvalidOperationException($"OpenCV and DepthNode tensors differ by {worst}");
    }

    [Benchmark(Baseline = true)]
    public void OpenCv() => OpenCvWith(InterpolationFlags.Area);

    /// <summary>The same with INTER_LINEAR: faster in OpenCV, but it aliases when shrinking 5.5× (taps 2 of ~6 pixels).</summary>
    [Benchmark]
    public void OpenCvLinear() => OpenCvWith(InterpolationFlags.Linear);

    // The fastest OpenCV composition found: Subtract/Divide by a Scalar on the float image cost 10 ms here
    // (OpenCvSharp's Scalar path), so normalisation is one ConvertTo(alpha, beta) per 8-bit plane written straight
    // into Mats that wrap the tensor's planes.
    private void OpenCvWith(InterpolationFlags interpolation)
    {
        var src = _frame;
        if (Encoding == "bgr8") { Cv2.CvtColor(_frame, _rgb, ColorConversionCodes.BGR2RGB); src = _rgb; }
        Cv2.Resize(src, _resized, new OpenCvSharp.Size(_size.Width, _size.Height), 0, 0, interpolation);
        Cv2.Split(_resized, out var planes);
        for (var c = 0; c < 3; c++)
        {
            planes[c].ConvertTo(_tensorPlanes[c], MatType.CV_32F, Spec.Scale / Spec.Std[c], -Spec.Mean[c] / Spec.Std[c]);
            planes[c].Dispose();
        }
    }

    [Benchmark]
    public void DepthNode() =>
        _pre.Run(ImageView.Create(Encoding, 1242, 375, 1242 * 3, false, _pixels), _tensor, _size);
}
