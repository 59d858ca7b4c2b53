using DepthNode.Synthetic;

namespace DepthNode.Tests;

/// <summary>
/// The street scene's 3D point for a pixel, computed independently of the renderer: a unit-length viewing ray, the
/// Euclidean distance to each surface (road plane, the two facade planes, each face of each box tested as a bounded
/// rectangle rather than by slabs), and the point as distance × direction. Only the scene's geometry (constants,
/// building heights, boxes) is shared with the code under test, not its arithmetic.
/// </summary>
internal static class AnalyticStreet
{
    public static (double X, double Y, double Z)? PointAt(int frame, int u, int v)
    {
        var (dx, dy, dz) = Normalize((u - StreetScene.PrincipalX) / StreetScene.Focal, (v - StreetScene.PrincipalY) / StreetScene.Focal, 1);
        var best = double.PositiveInfinity;

        if (dy > 0) best = StreetScene.CameraHeight / dy;

        foreach (var side in new[] { -1, 1 })
        {
            var s = side * StreetScene.FacadeX / dx;
            if (s <= 0) continue;
            var y = s * dy;
            var height = StreetScene.BuildingHeight(side, s * dz + frame * StreetScene.MetresPerFrame);
            if (height > 0 && y <= StreetScene.CameraHeight && y >= StreetScene.CameraHeight - height) best = Math.Min(best, s);
        }

        foreach (var box in StreetScene.BoxesAt(frame))
        {
            double[] lo = [box.MinX, box.MinY, box.MinZ], hi = [box.MaxX, box.MaxY, box.MaxZ], d = [dx, dy, dz];
            for (var axis = 0; axis < 3; axis++)
            {
                if (d[axis] == 0) continue;
                foreach (var plane in new[] { lo[axis], hi[axis] })
                {
                    var s = plane / d[axis];
                    if (s <= 0) continue;
                    var inside = true;
                    for (var other = 0; other < 3; other++)
                        if (other != axis && (s * d[other] < lo[other] || s * d[other] > hi[other])) inside = false;
                    if (inside) best = Math.Min(best, s);
                }
            }
        }

        if (double.IsPositiveInfinity(best) || best * dz >= StreetScene.FarLimit) return null;
        return (best * dx, best * dy, best * dz);
    }

    private static (double, double, double) Normalize(double x, double y, double z)
    {
        var n = Math.Sqrt(x * x + y * y + z * z);
        return (x / n, y / n, z / n);
    }

    public static (byte[] Rgb, float[] Depth) Render(int frame)
    {
        var rgb = new byte[StreetScene.Width * StreetScene.Height * 3];
        var depth = new float[StreetScene.Width * StreetScene.Height];
        StreetScene.Render(frame, rgb, depth);
        return (rgb, depth);
    }
}
