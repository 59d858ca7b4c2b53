using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DepthNode.Depth;
using DepthNode.Imaging;
using DepthNode.PointClouds;
using DepthNode.Synthetic;
using OpenCvSharp;

namespace DepthNode.Benchmarks;

/// <summary>
/// Point cloud, colourised depth and 16UC1 conversion of one 1242×375 frame (the rendered street scene, ~85 % valid
/// depth), each against the nearest OpenCV operation on the same data in the same run. OpenCV is limited to one thread,
/// the budget being per core. OpenCV gets its inputs prepared outside the timed region (inverse depth for
/// reprojectImageTo3D, which reprojects disparity) and preallocated outputs.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PointCloudBenchmarks
{
    private const int W = StreetScene.Width, H = StreetScene.Height;
    private readonly float[] _depth = new float[W * H];
    private readonly byte[] _rgb = new byte[W * H * 3];
    private readonly byte[] _cloud = new byte[W * H * 32];
    private readonly byte[] _color = new byte[W * H * 3];
    private readonly ushort[] _millimetres = new ushort[W * H];
    private readonly float[] _metres = new float[W * H];
    private readonly PointCloudBuilder _xyz = new();
    private readonly PointCloudBuilder _xyzRgb = new(new PointCloudOptions { Rgb = true });
    private readonly DepthColorizer _fixedColor = new(new DepthColorizerOptions { MinDepth = 2, MaxDepth = 80 });
    private readonly DepthColorizer _autoColor = new();
    private Mat _disparity = null!, _q = null!, _xyzMat = null!, _depthMat = null!, _grey = null!, _bgr = null!, _mm = null!, _m = null!;

    [GlobalSetup]
    public void Setup()
    {
        Cv2.SetNumThreads(1);
        StreetScene.Render(0, _rgb, _depth);
        _xyz.SetCamera(StreetScene.Camera);
        _xyzRgb.SetCamera(StreetScene.Camera);
        var camera = StreetScene.Camera;
        _disparity = Mat.FromPixelData(H, W, MatType.CV_32FC1, _depth.Select(d => 1f / d).ToArray());
        _q = Mat.FromPixelData(4, 4, MatType.CV_64FC1, new double[]
        {
            1 / camera.Fx, 0, 0, -camera.Cx / camera.Fx, 0, 1 / camera.Fy, 0, -camera.Cy / camera.Fy, 0, 0, 0, 1, 0, 0, 1, 0,
        });
        _xyzMat = new Mat(H, W, MatType.CV_32FC3);
        _depthMat = Mat.FromPixelData(H, W, MatType.CV_32FC1, _depth);
        _grey = new Mat(H, W, MatType.CV_8UC1);
        _bgr = new Mat(H, W, MatType.CV_8UC3);
        _mm = new Mat(H, W, MatType.CV_16UC1);
        _m = new Mat(H, W, MatType.CV_32FC1);
        DepthEncoding.MetresToMillimetres(_depth, W, H, W, _millimetres, W);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var m in new[] { _disparity, _q, _xyzMat, _depthMat, _grey, _bgr, _mm, _m }) m.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("PointCloud")]
    public void OpenCvReprojectImageTo3D() => Cv2.ReprojectImageTo3D(_disparity, _xyzMat, _q, false, MatType.CV_32F);

    [Benchmark, BenchmarkCategory("PointCloud")]
    public int PointCloudXyz() => _xyz.Build(_depth, W, H, W, _cloud).ValidPoints;

    [Benchmark, BenchmarkCategory("PointCloud")]
    public int PointCloudXyzRgb() => _xyzRgb.Build(_depth, W, H, W, _rgb, W * 3, _cloud).ValidPoints;

    [Benchmark(Baseline = true), BenchmarkCategory("Colourise")]
    public void OpenCvScaleAndApplyColorMap()
    {
        _depthMat.ConvertTo(_grey, MatType.CV_8UC1, 255.0 / 78, -2 * 255.0 / 78);
        Cv2.ApplyColorMap(_grey, _bgr, ColormapTypes.Turbo);
    }

    [Benchmark, BenchmarkCategory("Colourise")]
    public float ColorizeFixedRange() => _fixedColor.Colorize(_depth, W, H, W, _color, W * 3).Max;

    [Benchmark, BenchmarkCategory("Colourise")]
    public float ColorizeAutoRange() => _autoColor.Colorize(_depth, W, H, W, _color, W * 3).Max;

    [Benchmark(Baseline = true), BenchmarkCategory("To16UC1")]
    public void OpenCvConvertTo16U() => _depthMat.ConvertTo(_mm, MatType.CV_16UC1, 1000);

    [Benchmark, BenchmarkCategory("To16UC1")]
    public void MetresToMillimetres() => DepthEncoding.MetresToMillimetres(_depth, W, H, W, _millimetres, W);

    [Benchmark(Baseline = true), BenchmarkCategory("From16UC1")]
    public void OpenCvConvertTo32F() => _mm.ConvertTo(_m, MatType.CV_32FC1, 0.001);

    [Benchmark, BenchmarkCategory("From16UC1")]
    public void MillimetresToMetres() => DepthEncoding.MillimetresToMetres(_millimetres, W, H, W, _metres, W);
}
