namespace DepthNode.Distill.Training;

/// <summary>A square region of a frame, in integer source pixels: columns [X, X+Side), rows [Y, Y+Side).</summary>
public readonly record struct SquareBox(int X, int Y, int Side);

/// <summary>A box in continuous pixel coordinates where pixel i covers [i, i+1) (its centre is i + 0.5).</summary>
public readonly record struct RoiBox(double X, double Y, double Width, double Height);

/// <summary>
/// One training view: the shared-context crop in frame pixels and the local patches in crop pixels.
/// </summary>
public sealed record CrossContextSample(SquareBox Crop, IReadOnlyList<SquareBox> Patches)
{
    /// <summary>
    /// Patch n in the coordinates of the student's prediction of the whole crop (a map of the given size, the crop
    /// resized to it): scaled by mapWidth / crop side and mapHeight / crop side.
    /// </summary>
    public RoiBox PatchInStudentMap(int n, int mapWidth, int mapHeight)
    {
        var p = Patches[n];
        var (rx, ry) = ((double)mapWidth / Crop.Side, (double)mapHeight / Crop.Side);
        return new RoiBox(p.X * rx, p.Y * ry, p.Side * rx, p.Side * ry);
    }

    /// <summary>Patch n in frame pixels.</summary>
    public SquareBox PatchInFrame(int n) => Patches[n] with { X = Crop.X + Patches[n].X, Y = Crop.Y + Patches[n].Y };
}
