using DepthNode;
using DepthNode.Imaging;
using System.Runtime.InteropServices;
using DepthNode.Camera;
using DepthNode.Messages;
using DepthNode.PointClouds;
using DepthNode.Synthetic;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Core.Tests.PointClouds;

public class PointCloudBuilderTests
{
    private const int W = StreetScene.Width, H = StreetScene.Height;

    private static (float X, float Y, float Z) PointAt(ReadOnlySpan<byte> data, int rowStep, int pointStep, int i, int j)
    {
        var p = MemoryMarshal.Cast<byte, float>(data.Slice(j * rowStep + i * pointStep, 12));
        return (p[0], p[1], p[2]);
    }

    private static PointCloudBuilder StreetBuilder(PointCloudOptions? options = null)
    {
        var builder = new PointCloudBuilder(options);
        builder.SetCamera(StreetScene.Camera);
        return builder;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    public void Build_StreetScene_EveryPointWithin1e4OfAnalyticPosition(int frame)
    {
        var (_, depth) = AnalyticStreet.Render(frame);
        var builder = StreetBuilder();
        var data = new byte[builder.Layout.ByteCount];
        var result = builder.Build(depth, W, H, W, data);

        int checkedPoints = 0, nanPoints = 0;
        for (var v = 0; v < H; v++)
        for (var u = 0; u < W; u++)
        {
            var expected = AnalyticStreet.PointAt(frame, u, v);
            var (x, y, z) = PointAt(data, result.Layout.RowStep, 16, u, v);
            if (expected is not { } e)
            {
                Assert.True(float.IsNaN(x) && float.IsNaN(y) && float.IsNaN(z), $"sky pixel ({u},{v}) must be a NaN point");
                nanPoints++;
                continue;
            }
            var error = Math.Sqrt((x - e.X) * (x - e.X) + (y - e.Y) * (y - e.Y) + (z - e.Z) * (z - e.Z));
            var norm = Math.Sqrt(e.X * e.X + e.Y * e.Y + e.Z * e.Z);
            Assert.True(error <= 1e-4 * norm, $"pixel ({u},{v}): ({x},{y},{z}) vs analytic {e}");
            checkedPoints++;
        }
        Assert.True(checkedPoints > W * H / 2);
        Assert.Equal(checkedPoints, result.ValidPoints);
        Assert.False(result.IsDense); // there is sky
        Assert.True(nanPoints > 0);
    }

    [Fact]
    public void Fields_MatchDepthImageProc()
    {
        // depth_image_proc point_cloud_xyz.cpp calls setPointCloud2FieldsByString(1, "xyz") and point_cloud_xyzrgb.cpp
        // (2, "xyz", "rgb"); common_interfaces sensor_msgs/impl/point_cloud2_iterator.hpp turns "xyz" into x, y, z
        // FLOAT32 (datatype 7), count 1, offsets 0/4/8 plus one float of padding, and "rgb" into one FLOAT32 at the next
        // offset plus three floats of padding; point_step is the final offset; row_step = width·point_step.
        var xyz = StreetBuilder();
        Assert.Equal([("x", 0u, (byte)7, 1u), ("y", 4u, (byte)7, 1u), ("z", 8u, (byte)7, 1u)],
            xyz.Fields.Select(f => (f.Name, f.Offset, f.Datatype, f.Count)));
        Assert.Equal(16, xyz.PointStep);
        Assert.Equal(new PointCloudLayout(1242, 375, 16, 1242 * 16), xyz.Layout);

        var xyzrgb = StreetBuilder(new PointCloudOptions { Rgb = true });
        Assert.Equal([("x", 0u, (byte)7, 1u), ("y", 4u, (byte)7, 1u), ("z", 8u, (byte)7, 1u), ("rgb", 16u, (byte)7, 1u)],
            xyzrgb.Fields.Select(f => (f.Name, f.Offset, f.Datatype, f.Count)));
        Assert.Equal(new PointCloudLayout(1242, 375, 32, 1242 * 32), xyzrgb.Layout);
    }

    [Fact]
    public void ToMessage_IsOrganizedLittleEndianWithDepthHeader()
    {
        var (_, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder();
        var data = new byte[builder.Layout.ByteCount];
        var result = builder.Build(depth, W, H, W, data);
        var header = StreetScene.HeaderAt(0);
        var msg = builder.ToMessage(header, result, data);
        Assert.Same(header, msg.Header);
        Assert.Equal((375u, 1242u, 16u, 1242u * 16), (msg.Height, msg.Width, msg.PointStep, msg.RowStep));
        Assert.False(msg.IsBigEndian);
        Assert.False(msg.IsDense);
        Assert.Equal(data.Length, msg.Data.Length);
    }

    [Fact]
    public void Build_Rgb_PacksBgrBytesAtOffset16AndZeroesPadding()
    {
        var (rgb, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder(new PointCloudOptions { Rgb = true });
        var data = new byte[builder.Layout.ByteCount];
        Array.Fill(data, (byte)0xAB); // a reused buffer holds the previous frame
        var result = builder.Build(depth, W, H, W, rgb, W * 3, data);
        for (var v = 0; v < H; v++)
        for (var u = 0; u < W; u++)
        {
            var p = data.AsSpan((v * W + u) * 32, 32);
            var px = (v * W + u) * 3;
            Assert.Equal(rgb[px + 2], p[16]); // B at the lowest address (PointCloud2Iterator "b" = offset + 0)
            Assert.Equal(rgb[px + 1], p[17]); // G
            Assert.Equal(rgb[px], p[18]);     // R
            Assert.Equal(0, p[19]);
            Assert.All(p[12..16].ToArray(), b => Assert.Equal(0, b));
            Assert.All(p[20..32].ToArray(), b => Assert.Equal(0, b));
            var (x, y, z) = PointAt(data, result.Layout.RowStep, 32, u, v);
            var d = depth[v * W + u];
            if (float.IsNaN(d)) Assert.True(float.IsNaN(z));
            else Assert.Equal(((u - 609.5) / 721.5 * d, (v - 172.8) / 721.5 * d, d), ((double)x, (double)y, (double)z), new TupleComparer(1e-4));
        }
    }

    private sealed class TupleComparer(double tol) : IEqualityComparer<(double, double, double)>
    {
        public bool Equals((double, double, double) a, (double, double, double) b) =>
            Math.Abs(a.Item1 - b.Item1) <= tol && Math.Abs(a.Item2 - b.Item2) <= tol && Math.Abs(a.Item3 - b.Item3) <= tol;
        public int GetHashCode((double, double, double) obj) => 0;
    }

    [Theory]
    [InlineData("bgr8", ColorConversionCodes.RGB2BGR)]
    [InlineData("rgba8", ColorConversionCodes.RGB2RGBA)]
    [InlineData("bgra8", ColorConversionCodes.RGB2BGRA)]
    public void Build_OtherColorEncodings_GiveTheSameCloudAsRgb8(string encoding, ColorConversionCodes conversion)
    {
        var (rgb, depth) = AnalyticStreet.Render(0);
        using var source = Mat.FromPixelData(H, W, MatType.CV_8UC3, rgb);
        using var converted = new Mat();
        Cv2.CvtColor(source, converted, conversion); // OpenCV produces the other layout independently
        var bytes = new byte[converted.Total() * converted.ElemSize()];
        Marshal.Copy(converted.Data, bytes, 0, bytes.Length);
        var builder = StreetBuilder(new PointCloudOptions { Rgb = true });
        var expected = new byte[builder.Layout.ByteCount];
        var actual = new byte[builder.Layout.ByteCount];
        builder.Build(depth, W, H, W, rgb, W * 3, expected);
        var layout = ColorLayout.FromEncoding(encoding);
        builder.Build(depth, W, H, W, bytes, W * layout.BytesPerPixel, layout, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Build_Mono8_RepeatsGreyInAllChannels()
    {
        var depth = Enumerable.Repeat(2f, 40 * 2).ToArray();
        var grey = Enumerable.Range(0, 80).Select(i => (byte)(3 * i)).ToArray();
        var builder = new PointCloudBuilder(new PointCloudOptions { Rgb = true });
        builder.SetCamera(new CameraModel(40, 2, 50, 50, 20, 1));
        var data = new byte[builder.Layout.ByteCount];
        builder.Build(depth, 40, 2, 40, grey, 40, ColorLayout.Mono8, data);
        for (var k = 0; k < 80; k++) Assert.Equal([grey[k], grey[k], grey[k], 0], data[(k * 32 + 16)..(k * 32 + 20)]);
        var e = Assert.Throws<NotSupportedException>(() => ColorLayout.FromEncoding("yuv422"));
        Assert.Contains("'yuv422'", e.Message);
    }

    [Fact]
    public void Build_XyzPadding_IsZeroInDirtyBuffer()
    {
        var (_, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder();
        var data = new byte[builder.Layout.ByteCount];
        Array.Fill(data, (byte)0xCD);
        builder.Build(depth, W, H, W, data);
        for (var k = 0; k < W * H; k++)
            Assert.Equal(0, BitConverter.ToInt32(data, k * 16 + 12));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Build_Stride_SamplesEveryNthPixel(int stride)
    {
        var (_, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder(new PointCloudOptions { Stride = stride });
        var layout = builder.Layout;
        Assert.Equal(((W + stride - 1) / stride, (H + stride - 1) / stride), (layout.Width, layout.Height));
        var data = new byte[layout.ByteCount];
        var result = builder.Build(depth, W, H, W, data);
        var valid = 0;
        for (var j = 0; j < layout.Height; j++)
        for (var i = 0; i < layout.Width; i++)
        {
            var expected = AnalyticStreet.PointAt(0, i * stride, j * stride);
            var (x, y, z) = PointAt(data, layout.RowStep, 16, i, j);
            if (expected is not { } e) { Assert.True(float.IsNaN(z)); continue; }
            valid++;
            Assert.True(Math.Abs(x - e.X) <= 1e-4 * e.Z && Math.Abs(y - e.Y) <= 1e-4 * e.Z && Math.Abs(z - e.Z) <= 1e-4 * e.Z,
                $"cloud ({i},{j}) = pixel ({i * stride},{j * stride})");
        }
        Assert.Equal(valid, result.ValidPoints);
    }

    [Fact]
    public void Build_RgbWithStride_TakesColorOfTheSampledPixel()
    {
        var (rgb, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder(new PointCloudOptions { Rgb = true, Stride = 3 });
        var layout = builder.Layout;
        var data = new byte[layout.ByteCount];
        builder.Build(depth, W, H, W, rgb, W * 3, data);
        for (var j = 0; j < layout.Height; j++)
        for (var i = 0; i < layout.Width; i++)
        {
            var p = j * layout.RowStep + i * 32;
            var px = (3 * j * W + 3 * i) * 3;
            Assert.Equal((rgb[px], rgb[px + 1], rgb[px + 2], (byte)0), (data[p + 18], data[p + 17], data[p + 16], data[p + 19]));
            var d = depth[3 * j * W + 3 * i];
            Assert.Equal(d, BitConverter.ToSingle(data, p + 8)); // NaN equals NaN here
        }
    }

    [Fact]
    public void Build_DepthLimits_PointsOutsideAreNaN()
    {
        var (_, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder(new PointCloudOptions { MinDepth = 5, MaxDepth = 40 });
        var data = new byte[builder.Layout.ByteCount];
        var result = builder.Build(depth, W, H, W, data);
        var expectedValid = 0;
        for (var k = 0; k < W * H; k++)
        {
            var d = depth[k];
            var inRange = d >= 5 && d <= 40;
            expectedValid += inRange ? 1 : 0;
            var z = BitConverter.ToSingle(data, k * 16 + 8);
            if (inRange) Assert.Equal(d, z);
            else Assert.True(float.IsNaN(z) && float.IsNaN(BitConverter.ToSingle(data, k * 16)), $"depth {d} is outside 5..40 m");
        }
        Assert.Equal(expectedValid, result.ValidPoints);
        Assert.True(expectedValid > 10_000);
    }

    [Fact]
    public void Build_NoInvalidPixel_IsDense_AndNonPositiveOrInfiniteDepthIsNot()
    {
        var camera = new CameraModel(37, 5, 30, 30, 18, 2);
        var builder = new PointCloudBuilder();
        builder.SetCamera(camera);
        var depth = Enumerable.Range(0, 37 * 5).Select(k => 1f + k * 0.01f).ToArray();
        var data = new byte[builder.Layout.ByteCount];
        Assert.True(builder.Build(depth, 37, 5, 37, data).IsDense);
        foreach (var bad in new[] { 0f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN })
        {
            depth[36] = bad; // last pixel of a row: the scalar tail after eight-wide blocks
            var result = builder.Build(depth, 37, 5, 37, data);
            Assert.False(result.IsDense, $"depth {bad}");
            Assert.Equal(37 * 5 - 1, result.ValidPoints);
            Assert.True(float.IsNaN(BitConverter.ToSingle(data, 36 * 16 + 8)));
            depth[36] = 1;
        }
    }

    [Fact]
    public void Build_PaddedDepthRows_UseRowStride()
    {
        var camera = new CameraModel(20, 3, 25, 25, 10, 1.5);
        var builder = new PointCloudBuilder();
        builder.SetCamera(camera);
        const int stride = 24; // 4 padding floats per row, filled with garbage
        var depth = new float[stride * 3];
        for (var v = 0; v < 3; v++)
        for (var u = 0; u < stride; u++) depth[v * stride + u] = u < 20 ? 2 + v : -99;
        var data = new byte[builder.Layout.ByteCount];
        var result = builder.Build(depth, 20, 3, stride, data);
        Assert.True(result.IsDense);
        for (var v = 0; v < 3; v++)
            Assert.Equal(2f + v, BitConverter.ToSingle(data, (v * 20 + 19) * 16 + 8));
    }

    [Fact]
    public void Build_BadSizes_ThrowClearErrors()
    {
        var builder = StreetBuilder();
        var depth = new float[W * H];
        var e1 = Assert.Throws<ArgumentException>(() => builder.Build(depth, W, H, W, new byte[100]));
        Assert.Contains("destination holds 100 bytes", e1.Message);
        var e2 = Assert.Throws<ImageFormatException>(() => builder.Build(depth.AsSpan(0, W * H - 1), W, H, W, new byte[builder.Layout.ByteCount]));
        Assert.StartsWith("depth data: holds 465749 elements", e2.Message);
        var e3 = Assert.Throws<ImageFormatException>(() => builder.Build(depth, W, H, W - 1, new byte[builder.Layout.ByteCount]));
        Assert.Equal("depth row_stride: 1241 is smaller than width 1242 × 1", e3.Message);
        Assert.Throws<InvalidOperationException>(() => new PointCloudBuilder().Build(depth, W, H, W, new byte[10]));
        var e4 = Assert.Throws<ImageFormatException>(() => builder.Build(depth, 640, 480, 640, new byte[builder.Layout.ByteCount]));
        Assert.Contains("depth image is 640x480 but the camera model is 1242x375", e4.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PointCloudBuilder(new PointCloudOptions { Stride = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PointCloudBuilder(new PointCloudOptions { MinDepth = 10, MaxDepth = 5 }));
    }

    [Fact]
    public void Build_AfterRejectedFrames_NextFrameWorks()
    {
        // As depth_image_proc's xyzrgb regression test (mismatched sizes, then a valid triplet): bad frames are
        // rejected with an error and leave the builder usable.
        var (rgb, depth) = AnalyticStreet.Render(0);
        var builder = StreetBuilder(new PointCloudOptions { Rgb = true });
        var data = new byte[builder.Layout.ByteCount];
        Assert.Throws<ImageFormatException>(() => builder.Build(depth, 640, 480, 640, rgb, 640 * 3, data));
        Assert.Throws<ImageFormatException>(() => builder.Build(depth, W, H, W, rgb.AsSpan(0, 100), W * 3, data));
        Assert.Throws<ArgumentException>(() => builder.Build(depth, W, H, W, rgb, W * 3, ColorLayout.Rgb8 with { Red = 5 }, data));
        var result = builder.Build(depth, W, H, W, rgb, W * 3, data);
        // Every pixel the analytic street gives a point (all but the sky) is a valid point again.
        var expected = Enumerable.Range(0, W * H).Count(i => AnalyticStreet.PointAt(0, i % W, i / W) is not null);
        Assert.Equal(expected, result.ValidPoints);
    }

    [Fact]
    public void SetCamera_RebuildsRayTableOnlyWhenCameraChanges()
    {
        var builder = StreetBuilder();
        var first = builder.Rays;
        builder.SetCamera(CameraModel.FromCameraInfo(StreetScene.CameraInfoAt(5))); // equal model, new instance
        Assert.Same(first, builder.Rays);
        builder.SetCamera(StreetScene.Camera.Scaled(621, 188));
        Assert.NotSame(first, builder.Rays);
        Assert.Equal(621, builder.Layout.Width);
    }

    [Fact]
    public void Build_SteadyState_AllocatesNothing()
    {
        var (rgb, depth) = AnalyticStreet.Render(0);
        var xyz = StreetBuilder();
        var xyzrgb = StreetBuilder(new PointCloudOptions { Rgb = true, Stride = 2, MaxDepth = 80 });
        var a = new byte[xyz.Layout.ByteCount];
        var b = new byte[xyzrgb.Layout.ByteCount];
        xyz.Build(depth, W, H, W, a);
        xyzrgb.Build(depth, W, H, W, rgb, W * 3, b);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 20; k++)
        {
            xyz.SetCamera(StreetScene.Camera);
            xyz.Build(depth, W, H, W, a);
            xyzrgb.Build(depth, W, H, W, rgb, W * 3, b);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Build_StreetScene_MatchesOpenCvReprojectImageTo3D()
    {
        var (_, depth) = AnalyticStreet.Render(4);
        AssertMatchesOpenCv(StreetScene.Camera, depth, expectDense: false);
    }

    [Fact]
    public void Build_KittiLidarDepth_MatchesOpenCvReprojectImageTo3D()
    {
        // Real projected-LiDAR depth (KITTI raw, 16-bit PNG, metres = value / 256, 0 = no return) and its real intrinsics.
        var info = CameraInfoYaml.Load(SharedData.Path("data", "kitti", "raw_depth_gt", "camera_info.yaml"));
        var camera = CameraModel.FromCameraInfo(info);
        using var png = Cv2.ImRead(SharedData.Path("data", "kitti", "raw_depth_gt", "depth", "0000000005.png"), ImreadModes.Unchanged);
        Assert.Equal((camera.Width, camera.Height), (png.Width, png.Height));
        Assert.Equal(MatType.CV_16UC1, png.Type());
        var raw = new short[camera.Width * camera.Height];
        Marshal.Copy(png.Data, raw, 0, raw.Length);
        var depth = raw.Select(r => r == 0 ? float.NaN : (ushort)r / 256f).ToArray();
        AssertMatchesOpenCv(camera, depth, expectDense: false);
    }

    // OpenCV reprojects disparity d with a 4×4 Q: [X Y Z W]ᵀ = Q·[u v d 1]ᵀ. With d = 1/z and
    // Q = [[1/fx,0,0,-cx/fx],[0,1/fy,0,-cy/fy],[0,0,0,1],[0,0,1,0]], W = 1/z, so X/W = (u-cx)/fx·z, Y/W = (v-cy)/fy·z, Z/W = z.
    private static void AssertMatchesOpenCv(CameraModel camera, float[] depth, bool expectDense)
    {
        var (w, h) = (camera.Width, camera.Height);
        var inverse = depth.Select(d => 1f / d).ToArray(); // NaN stays NaN
        using var disparity = Mat.FromPixelData(h, w, MatType.CV_32FC1, inverse);
        using var q = Mat.FromPixelData(4, 4, MatType.CV_64FC1, new double[]
        {
            1 / camera.Fx, 0, 0, -camera.Cx / camera.Fx,
            0, 1 / camera.Fy, 0, -camera.Cy / camera.Fy,
            0, 0, 0, 1,
            0, 0, 1, 0,
        });
        using var xyz = new Mat();
        Cv2.ReprojectImageTo3D(disparity, xyz, q, false, MatType.CV_32F);
        Assert.Equal(MatType.CV_32FC3, xyz.Type());
        var reference = new float[w * h * 3];
        Marshal.Copy(xyz.Data, reference, 0, reference.Length);

        var builder = new PointCloudBuilder();
        builder.SetCamera(camera);
        var data = new byte[builder.Layout.ByteCount];
        var result = builder.Build(depth, w, h, w, data);
        Assert.Equal(expectDense, result.IsDense);
        var compared = 0;
        for (var k = 0; k < w * h; k++)
        {
            var (x, y, z) = PointAt(data, w * 16, 16, k % w, k / w);
            var (rx, ry, rz) = (reference[3 * k], reference[3 * k + 1], reference[3 * k + 2]);
            if (float.IsNaN(depth[k]))
            {
                Assert.True(float.IsNaN(z) && float.IsNaN(rz));
                continue;
            }
            var tol = 2e-6f * Math.Max(1f, rz) + 1e-6f; // both are float pipelines; OpenCV's goes through 1/z twice
            Assert.True(Math.Abs(x - rx) <= tol * (1 + Math.Abs(rx)) && Math.Abs(y - ry) <= tol * (1 + Math.Abs(ry)) && Math.Abs(z - rz) <= tol * rz,
                $"pixel {k % w},{k / w}: ours ({x},{y},{z}) OpenCV ({rx},{ry},{rz})");
            compared++;
        }
        Assert.True(compared > 10_000, $"only {compared} valid pixels compared");
    }
}
