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
/// depth), each against the strongest peer buildable here, on the same data in the same run, with weaker peers kept
/// and labelled as such: the point cloud against a plain C++ depth_image_proc-style loop compiled with g++ -O2 in the
/// setup (and OpenCV's reprojectImageTo3D, a weaker peer: it goes through a 4×4 matrix per pixel); colourisation
/// against OpenCV done right, a Turbo LUT built once and applied with ConvertTo + LUT (and ApplyColorMap, a weaker
/// peer: it rebuilds its table on every call). OpenCV is limited to one thread, the budget being per core; every peer
/// gets its inputs prepared outside the timed region and preallocated outputs.
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
    private Mat _grey3 = null!, _turboLut = null!;
    private readonly float[] _plainCloud = new float[W * H * 4];
    private IntPtr _plainLibrary;
    private unsafe delegate* unmanaged<float*, int, int, int, float, float, float, float, float*, int> _plainXyz;

    [GlobalSetup]
    public unsafe void Setup()
    {
        Cv2.SetNumThreads(1);
        _plainLibrary = PlainCloud.Compile();
        _plainXyz = (delegate* unmanaged<float*, int, int, int, float, float, float, float, float*, int>)
            NativeLibrary.GetExport(_plainLibrary, "plain_point_cloud_xyz");
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
        _grey3 = new Mat(H, W, MatType.CV_8UC3);
        // OpenCV's own Turbo table, built once: ApplyColorMap over the 256 grey levels.
        using var ramp = new Mat(1, 256, MatType.CV_8UC1);
        for (var i = 0; i < 256; i++) ramp.Set(0, i, (byte)i);
        _turboLut = new Mat();
        Cv2.ApplyColorMap(ramp, _turboLut, ColormapTypes.Turbo);
        DepthEncoding.MetresToMillimetres(_depth, W, H, W, _millimetres, W);
        // Same points as ours (x, y, z of every record) before anything is timed.
        PlainPointCloudCpp();
        PointCloudXyz();
        var ours = MemoryMarshal.Cast<byte, float>(_cloud.AsSpan(0, W * H * 16));
        for (var i = 0; i < ours.Length; i++)
            if (!(float.IsNaN(ours[i]) && float.IsNaN(_plainCloud[i])) && Math.Abs(ours[i] - _plainCloud[i]) > 1e-4f * Math.Max(1, Math.Abs(ours[i])))
                throw new InvalidOperationException($"point cloud float {i}: ours {ours[i]}, C++ {_plainCloud[i]}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var m in new[] { _disparity, _q, _xyzMat, _depthMat, _grey, _bgr, _mm, _m, _grey3, _turboLut }) m.Dispose();
        NativeLibrary.Free(_plainLibrary);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("PointCloud")]
    public unsafe int PlainPointCloudCpp()
    {
        var c = StreetScene.Camera;
        fixed (float* d = _depth, o = _plainCloud)
            return _plainXyz(d, W, H, W, (float)c.Fx, (float)c.Fy, (float)c.Cx, (float)c.Cy, o);
    }

    [Benchmark, BenchmarkCategory("PointCloud")]
    public void OpenCvReprojectImageTo3D_WeakerPeer() => Cv2.ReprojectImageTo3D(_disparity, _xyzMat, _q, false, MatType.CV_32F);

    [Benchmark, BenchmarkCategory("PointCloud")]
    public int PointCloudXyz() => _xyz.Build(_depth, W, H, W, _cloud).ValidPoints;

    [Benchmark, BenchmarkCategory("PointCloud")]
    public int PointCloudXyzRgb() => _xyzRgb.Build(_depth, W, H, W, _rgb, W * 3, _cloud).ValidPoints;

    [Benchmark(Baseline = true), BenchmarkCategory("Colorize")]
    public void OpenCvConvertToAndLut()
    {
        _depthMat.ConvertTo(_grey, MatType.CV_8UC1, 255.0 / 78, -2 * 255.0 / 78);
        Cv2.CvtColor(_grey, _grey3, ColorConversionCodes.GRAY2BGR); // LUT wants as many channels as its 3-channel table
        Cv2.LUT(_grey3, _turboLut, _bgr);
    }

    [Benchmark, BenchmarkCategory("Colorize")]
    public void OpenCvApplyColorMap_WeakerPeer()
    {
        _depthMat.ConvertTo(_grey, MatType.CV_8UC1, 255.0 / 78, -2 * 255.0 / 78);
        Cv2.ApplyColorMap(_grey, _bgr, ColormapTypes.Turbo);
    }

    [Benchmark, BenchmarkCategory("Colorize")]
    public float ColorizeFixedRange() => _fixedColor.Colorize(_depth, W, H, W, _color, W * 3).Max;

    [Benchmark, BenchmarkCategory("Colorize")]
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
