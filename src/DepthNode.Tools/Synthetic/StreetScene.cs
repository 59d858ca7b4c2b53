using DepthNode.Camera;
using DepthNode.Messages;

namespace DepthNode.Synthetic;

/// <summary>An axis-aligned box in the camera's optical frame at one frame (x right, y down, z forward; metres).</summary>
public readonly record struct SceneBox(double MinX, double MinY, double MinZ, double MaxX, double MaxY, double MaxZ, int Color);

/// <summary>
/// A street rendered by ray casting, with exact depth: the default input of the demo, generated on any machine.
/// A KITTI-like camera (1242×375, f = 721.5 px) 1.65 m above a flat road drives forward <see cref="MetresPerFrame"/>
/// per frame between two rows of building facades, past parked cars, behind a lead car that keeps its distance.
/// Rays are cast with direction ((u − cx)/fx, (v − cy)/fy, 1), whose ray parameter is z itself, so the depth of a hit
/// is exact (to float rounding), not re-derived. Nothing hit closer than <see cref="FarLimit"/> is sky: NaN depth.
/// Deterministic: textures come from an integer hash, not a random generator.
/// </summary>
public static class StreetScene
{
    public const int Width = 1242, Height = 375;
    public const double Focal = 721.5, PrincipalX = 609.5, PrincipalY = 172.8;
    public const double CameraHeight = 1.65;   // the road is the plane y = +1.65 in the optical frame
    public const double FacadeX = 9.0;         // facades are the planes x = ±9
    public const double MetresPerFrame = 1.0;  // 36 km/h at 10 frames/s
    public const double FarLimit = 150;
    public const long FramePeriodNs = 100_000_000;
    public const string FrameId = "street_camera_optical_frame";

    public static CameraModel Camera { get; } = new(Width, Height, Focal, Focal, PrincipalX, PrincipalY);

    // Static cars in world z (the camera starts at z = 0), and one lead car held 14 m ahead.
    private static readonly SceneBox[] s_worldBoxes =
    [
        new(4.6, 0.15, 9, 6.4, 1.35, 13.4, 0xB03028),     // parked, right kerb (y 0.15..1.35: 0.3 m ground clearance)
        new(4.7, -0.55, 24, 6.5, 1.35, 31, 0xD8D8D0),     // parked van
        new(-6.4, 0.15, 17, -4.6, 1.35, 21.5, 0x2850A0),  // parked, left kerb
        new(-3.2, 0.2, 38, -1.5, 1.35, 42.2, 0x207048),   // oncoming lane
    ];
    private static readonly SceneBox s_leadCar = new(-0.85, 0.1, 14, 0.85, 1.35, 18.3, 0x505058);

    /// <summary>Boxes in the optical frame of <paramref name="frame"/>.</summary>
    public static SceneBox[] BoxesAt(int frame)
    {
        var cameraZ = frame * MetresPerFrame;
        var boxes = new SceneBox[s_worldBoxes.Length + 1];
        for (var i = 0; i < s_worldBoxes.Length; i++)
            boxes[i] = s_worldBoxes[i] with { MinZ = s_worldBoxes[i].MinZ - cameraZ, MaxZ = s_worldBoxes[i].MaxZ - cameraZ };
        boxes[^1] = s_leadCar;
        return boxes;
    }

    /// <summary>Height of the building whose facade lies at world z on the given side (-1 left, +1 right); 0 is a gap.</summary>
    public static double BuildingHeight(int side, double worldZ)
    {
        var block = (int)Math.Floor(worldZ / 14.0);
        var h = Hash(block, side);
        return h % 7 == 0 ? 0 : 6 + h % 13; // about one lot in seven is an alley
    }

    public static Header HeaderAt(int frame) => new(RosTime.FromNanoseconds(1_700_000_000_000_000_000 + frame * FramePeriodNs), FrameId);

    public static CameraInfo CameraInfoAt(int frame) => Camera.ToCameraInfo(HeaderAt(frame));

    /// <summary>
    /// Frame <paramref name="frame"/> as the messages a camera driver and a perfect depth sensor would publish: rgb8
    /// image, 32FC1 depth (little-endian, NaN for sky) and CameraInfo, all with the same header. Allocates: demo and
    /// test input, not a hot path.
    /// </summary>
    public static (Image Rgb, Image Depth, CameraInfo Info) RenderMessages(int frame)
    {
        var rgb = new byte[Width * Height * 3];
        var depth = new float[Width * Height];
        Render(frame, rgb, depth);
        var header = HeaderAt(frame);
        var depthBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(depth.AsSpan()).ToArray();
        return (new Image(header, Height, Width, "rgb8", 0, Width * 3, rgb),
            new Image(header, Height, Width, "32FC1", 0, Width * 4, depthBytes),
            Camera.ToCameraInfo(header));
    }

    /// <summary>
    /// Renders <paramref name="frame"/>: rgb8 (rows 3·<see cref="Width"/> bytes) and 32FC1 depth in metres along z
    /// (rows <see cref="Width"/> floats, NaN for sky).
    /// </summary>
    public static void Render(int frame, Span<byte> rgb8, Span<float> depth)
    {
        if (rgb8.Length < Width * Height * 3 || depth.Length < Width * Height)
            throw new ArgumentException($"street scene: buffers hold {rgb8.Length} rgb bytes and {depth.Length} depths, a frame needs {Width * Height * 3} and {Width * Height}");
        var boxes = BoxesAt(frame);
        var cameraZ = frame * MetresPerFrame;
        for (var v = 0; v < Height; v++)
        {
            var dy = (v - PrincipalY) / Focal;
            var sky = Sky(v);
            for (var u = 0; u < Width; u++)
            {
                var dx = (u - PrincipalX) / Focal;
                var (z, color) = Trace(dx, dy, cameraZ, boxes);
                if (z < FarLimit)
                {
                    depth[v * Width + u] = (float)z;
                    color = Mix(color, sky, 1 - Math.Exp(-z / 120)); // haze: far things fade into the sky color
                }
                else
                {
                    depth[v * Width + u] = float.NaN;
                    color = sky;
                }
                var o = 3 * (v * Width + u);
                rgb8[o] = (byte)(color >> 16);
                rgb8[o + 1] = (byte)(color >> 8);
                rgb8[o + 2] = (byte)color;
            }
        }
    }

    // Nearest hit along (dx, dy, 1): returns z and the shaded 0xRRGGBB color; z = +Inf when nothing is hit.
    private static (double Z, int Color) Trace(double dx, double dy, double cameraZ, SceneBox[] boxes)
    {
        var bestZ = double.PositiveInfinity;
        var color = 0;
        if (dy > 0)
        {
            bestZ = CameraHeight / dy;
            color = Ground(dx * bestZ, bestZ + cameraZ);
        }
        foreach (var side in (ReadOnlySpan<int>)[-1, 1])
        {
            if (dx * side <= 0) continue;
            var z = side * FacadeX / dx;
            var y = dy * z;
            var height = BuildingHeight(side, z + cameraZ);
            if (height > 0 && z < bestZ && y <= CameraHeight && y >= CameraHeight - height)
                (bestZ, color) = (z, Facade(side, z + cameraZ, CameraHeight - y));
        }
        foreach (var box in boxes)
        {
            var (z, axis) = Slab(dx, dy, box);
            if (z < bestZ) (bestZ, color) = (z, Shade(box.Color, axis));
        }
        return (bestZ, color);
    }

    // Ray/box entry by the slab method; axis is the face that was entered (0 = side, 1 = top, 2 = back/front).
    private static (double Z, int Axis) Slab(double dx, double dy, SceneBox b)
    {
        double enter = 1e-9, exit = double.PositiveInfinity;
        var axis = -1;
        Narrow(dx, b.MinX, b.MaxX, 0);
        Narrow(dy, b.MinY, b.MaxY, 1);
        Narrow(1, b.MinZ, b.MaxZ, 2);
        return enter <= exit && axis >= 0 ? (enter, axis) : (double.PositiveInfinity, -1);

        void Narrow(double d, double lo, double hi, int a)
        {
            if (d == 0) { if (lo > 0 || hi < 0) exit = double.NegativeInfinity; return; }
            var t0 = Math.Min(lo / d, hi / d);
            var t1 = Math.Max(lo / d, hi / d);
            if (t0 > enter) (enter, axis) = (t0, a);
            exit = Math.Min(exit, t1);
        }
    }

    private static int Ground(double x, double worldZ)
    {
        var ax = Math.Abs(x);
        if (ax > 6.5) // pavement: light slabs with dark joints every metre
        {
            var joint = Frac(x) < 0.04 || Frac(worldZ) < 0.04;
            return Grey(joint ? 110 : 150 + (int)(Hash((int)Math.Floor(x), (int)Math.Floor(worldZ)) % 12));
        }
        var dashed = Math.Abs(ax - 1.75) < 0.07 && Frac(worldZ / 9) < 0.33; // lane dashes: 3 m line, 6 m gap
        var edge = ax > 6.15 && ax < 6.3;
        if (dashed || edge) return Grey(225);
        return Grey(72 + (int)(Hash((int)Math.Floor(x * 8), (int)Math.Floor(worldZ * 8)) % 14)); // asphalt grain
    }

    private static int Facade(int side, double worldZ, double heightAboveRoad)
    {
        var wall = Palette[(int)(Hash((int)Math.Floor(worldZ / 14.0), side) % (uint)Palette.Length)];
        var inWindowColumn = Frac(worldZ / 3) is > 0.25 and < 0.72;
        var inWindowRow = heightAboveRoad > 3 && Frac(heightAboveRoad / 3.2) is > 0.3 and < 0.75;
        return inWindowColumn && inWindowRow ? 0x3A4A5C : Shade(wall, 0);
    }

    private static readonly int[] Palette = [0xC8B496, 0xA05A46, 0xD2C8BE, 0x8C9196, 0xBE9B6E, 0x9AA582];

    // A fixed light per face orientation, as an overcast sky gives: tops bright, sides medium, fronts darker.
    private static int Shade(int color, int axis) => Scale(color, axis switch { 1 => 1.0, 0 => 0.8, _ => 0.65 });

    private static int Sky(int v) => Mix(0x4682C8, 0xB4CDE6, Math.Clamp(v / PrincipalY, 0, 1));

    private static int Grey(int g) => g << 16 | g << 8 | g;

    private static int Scale(int c, double s) =>
        (int)((c >> 16 & 255) * s) << 16 | (int)((c >> 8 & 255) * s) << 8 | (int)((c & 255) * s);

    private static int Mix(int a, int b, double t)
    {
        int Channel(int shift) => (int)Math.Round((a >> shift & 255) * (1 - t) + (b >> shift & 255) * t);
        return Channel(16) << 16 | Channel(8) << 8 | Channel(0);
    }

    private static double Frac(double x) => x - Math.Floor(x);

    private static uint Hash(int a, int b)
    {
        var h = (uint)a * 0x9E3779B1u ^ (uint)b * 0x85EBCA77u;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        return h;
    }
}
