using DepthNode.Camera;

namespace DepthNode.PointClouds;

/// <summary>
/// The viewing ray of every sampled pixel, as x/z and y/z, for one camera model and stride. For a pinhole camera x/z
/// depends only on the column and y/z only on the row, so the table is two short arrays (width + height floats)
/// instead of a per-pixel grid: the cloud pass then reads the depth and writes the points, and the rays stay in L1.
/// Built once per CameraInfo; <see cref="Matches"/> tells a caller whether it can keep using it.
/// </summary>
public sealed class RayTable
{
    private readonly float[] _xOverZ;
    private readonly float[] _yOverZ;
    private readonly float[] _columnRays;

    public CameraModel Camera { get; }
    public int Stride { get; }

    /// <summary>Number of sampled columns: ceil(width / stride), i.e. the cloud's width.</summary>
    public int Columns => _xOverZ.Length;

    /// <summary>Number of sampled rows: ceil(height / stride), i.e. the cloud's height.</summary>
    public int Rows => _yOverZ.Length;

    /// <summary>x/z of sampled column i (pixel column i·stride).</summary>
    public ReadOnlySpan<float> XOverZ => _xOverZ;

    /// <summary>y/z of sampled row j (pixel row j·stride).</summary>
    public ReadOnlySpan<float> YOverZ => _yOverZ;

    /// <summary>Sampled column i's ray as a point record without its row part: (x/z, 0, 1, 0) at floats 4i..4i+3. A point
    /// is z·(this + (0, y/z, 0, 0)), so the cloud kernel builds each 16-byte record with one add and one multiply.</summary>
    public ReadOnlySpan<float> ColumnRays => _columnRays;

    public RayTable(CameraModel camera, int stride = 1)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        Camera = camera;
        Stride = stride;
        _xOverZ = new float[(camera.Width + stride - 1) / stride];
        _yOverZ = new float[(camera.Height + stride - 1) / stride];
        // Computed in double and rounded once, so the only float error left in a point is the final multiply by z.
        for (var i = 0; i < _xOverZ.Length; i++) _xOverZ[i] = (float)((i * stride - camera.Cx) / camera.Fx);
        _columnRays = new float[4 * _xOverZ.Length];
        for (var i = 0; i < _xOverZ.Length; i++) (_columnRays[4 * i], _columnRays[4 * i + 2]) = (_xOverZ[i], 1f);
        for (var j = 0; j < _yOverZ.Length; j++) _yOverZ[j] = (float)((j * stride - camera.Cy) / camera.Fy);
    }

    public bool Matches(CameraModel camera, int stride) => stride == Stride && camera.Equals(Camera);
}
