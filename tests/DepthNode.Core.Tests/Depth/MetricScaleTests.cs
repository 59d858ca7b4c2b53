using DepthNode.Depth;
using DepthNode.Inference;

namespace DepthNode.Core.Tests.Depth;

public class GroundPlaneTests
{
    // Camera: 400x300, fy 350, cy 150, 1.5 m above the road.
    private const int W = 400, H = 300;
    private const double Fy = 350, Cy = 150, Height = 1.5;

    /// <summary>Depth of the road seen through pixel (u, v), by intersecting the pixel's ray with the road plane,
    /// written independently of the aligner: rotate the ray into a level frame and scale it to reach the ground.</summary>
    private static double RoadDepth(double u, double v, double pitch)
    {
        // Optical ray (x right, y down, z forward) scaled to Z = 1; x = (u − Cx)/Fx does not change how far down it goes.
        _ = u;
        double y = (v - Cy) / Fy, z = 1;
        // Level frame: the camera is pitched down by `pitch` about its x axis, so the ray's downward component is
        // y·cos(pitch) + z·sin(pitch).
        var down = y * Math.Cos(pitch) + z * Math.Sin(pitch);
        return down > 0 ? Height / down : double.PositiveInfinity; // Z (optical-axis depth) of the ground point
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(-0.03)]
    public void PlaneInverseDepth_MatchesProjectionOfRoadPoints(double pitch)
    {
        // Forward distance d, lateral l, on the road; camera at height H pitched down by `pitch`.
        // (The lateral offset moves the point's column only: the road's inverse depth depends on the row alone.)
        foreach (var d in new[] { 5.0, 12.0, 40.0 })
        {
            var zc = d * Math.Cos(pitch) + Height * Math.Sin(pitch);
            var yc = -d * Math.Sin(pitch) + Height * Math.Cos(pitch);
            var v = Fy * yc / zc + Cy;
            var inv = GroundPlaneAligner.PlaneInverseDepth(v, Fy, Cy, Height, pitch);
            Assert.Equal(1 / zc, inv, 1e-12);
        }
        Assert.True(GroundPlaneAligner.PlaneInverseDepth(Cy - Fy * Math.Tan(pitch) - 1, Fy, Cy, Height, pitch) < 0); // above the horizon
    }

    private static float[] Scene(double pitch, Func<double, float> predictionFromTrueDepth, float outlier)
    {
        var p = new float[W * H];
        for (var v = 0; v < H; v++)
            for (var u = 0; u < W; u++)
            {
                var z = RoadDepth(u, v, pitch);
                // A "car" occupies a quarter of the central band at 6-15 m: its pixels are far nearer than the road.
                var car = u >= 180 && u < 230 && z is > 6 and < 15;
                p[v * W + u] = double.IsInfinity(z) || z > 200 ? 0.01f : car ? outlier : predictionFromTrueDepth(z);
            }
        return p;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.04)]
    public void MetricModel_ScaleIsRecoveredExactly_DespiteAnObstacle(double pitch)
    {
        var prediction = Scene(pitch, z => (float)(z / 2.5), 0.7f);
        var fit = new GroundPlaneAligner(new GroundPlaneOptions(CameraHeight: Height, PitchRadians: pitch, Stride: 2))
            .Fit(prediction, W, H, Fy, Cy, DepthOutputKind.MetricDepth);
        Assert.Equal(MetricSource.GroundPlane, fit.Source);
        Assert.Equal(FitStatus.Fitted, fit.Status);
        Assert.Equal(2.5, fit.Scale, 1e-5);
        Assert.Equal(0, fit.Shift);
        Assert.True(fit.Inliers < fit.Samples, "the car's pixels must be rejected");
    }

    [Fact]
    public void DisparityModel_ScaleAndShiftAreRecovered()
    {
        const double s = 0.05, t = 0.004;
        var prediction = Scene(0.02, z => (float)((1 / z - t) / s), 9f);
        var fit = new GroundPlaneAligner(new GroundPlaneOptions(CameraHeight: Height, PitchRadians: 0.02))
            .Fit(prediction, W, H, Fy, Cy, DepthOutputKind.RelativeDisparity);
        Assert.Equal(s, fit.Scale, 1e-6);
        Assert.Equal(t, fit.Shift, 1e-6);
        var depth = new float[prediction.Length];
        MetricMapping.For(fit, DepthOutputKind.RelativeDisparity).Apply(prediction, depth);
        var row = 280; // a road row near the bottom: depth must be the plane's
        Assert.Equal(RoadDepth(100, row, 0.02), depth[row * W + 100], 1e-3);
    }

    [Fact]
    public void NoRoadVisible_Fails_AndDepthIsAllNaN()
    {
        var prediction = new float[W * H]; // all zeros: nothing positive to fit
        var fit = new GroundPlaneAligner(new GroundPlaneOptions(CameraHeight: Height)).Fit(prediction, W, H, Fy, Cy, DepthOutputKind.MetricDepth);
        Assert.Equal(FitStatus.Failed, fit.Status);
        var depth = new float[prediction.Length];
        Assert.Equal(prediction.Length, MetricMapping.For(fit, DepthOutputKind.MetricDepth).Apply(prediction, depth));
        Assert.All(depth, d => Assert.True(float.IsNaN(d)));
    }
}

public class SparseDepthTests
{
    private static (float[] Prediction, float[] Sparse, float[] Truth) Data(Func<double, double> predictionFromDepth, double outlierFraction, int seed)
    {
        var r = new Random(seed);
        const int n = 20000;
        var truth = new float[n];
        var prediction = new float[n];
        var sparse = new float[n];
        for (var i = 0; i < n; i++)
        {
            var z = 2 + 48 * r.NextDouble();
            truth[i] = (float)z;
            prediction[i] = (float)predictionFromDepth(z);
            if (i % 10 == 0) sparse[i] = r.NextDouble() < outlierFraction ? (float)(1 + 60 * r.NextDouble()) : (float)z;
        }
        return (prediction, sparse, truth);
    }

    [Fact]
    public void Disparity_ScaleShiftInDisparitySpace_RecoveredWithThirtyPercentOutliers()
    {
        const double s = 0.3, t = -0.01;
        var (p, sparse, truth) = Data(z => (1 / z - t) / s, 0.3, 1);
        var fit = new SparseDepthAligner(new SparseDepthOptions()).Fit(p, sparse, DepthOutputKind.RelativeDisparity);
        Assert.Equal(MetricSource.SparseDepth, fit.Source);
        Assert.Equal(s, fit.Scale, 1e-4);
        Assert.Equal(t, fit.Shift, 1e-5);
        Assert.InRange(fit.Inliers, 1300, 1500); // ~70 % of 2000 samples (a few outliers land on the line by chance)
        var depth = new float[p.Length];
        MetricMapping.For(fit, DepthOutputKind.RelativeDisparity).Apply(p, depth);
        for (var i = 1; i < p.Length; i += 97) Assert.Equal(truth[i], depth[i], truth[i] * 1e-3f);
    }

    [Fact]
    public void MetricModel_ScaleOnly_AndRelativeDepth_ScaleShift()
    {
        var (p, sparse, _) = Data(z => z / 1.7, 0.2, 2);
        var fit = new SparseDepthAligner(new SparseDepthOptions()).Fit(p, sparse, DepthOutputKind.MetricDepth);
        Assert.Equal(1.7, fit.Scale, 1e-5);
        Assert.Equal(0, fit.Shift);

        (p, sparse, _) = Data(z => (z - 0.8) / 2.0, 0.2, 3);
        fit = new SparseDepthAligner(new SparseDepthOptions()).Fit(p, sparse, DepthOutputKind.RelativeDepth);
        Assert.Equal(2.0, fit.Scale, 1e-4);
        Assert.Equal(0.8, fit.Shift, 1e-3);
    }

    [Fact]
    public void Smoothing_AveragesSmallChanges_ResetsOnJumps_HoldsOnFailure()
    {
        var aligner = new SparseDepthAligner(new SparseDepthOptions(Smoothing: new SmoothingOptions(Alpha: 0.5, JumpRatio: 0.25)));
        MetricFit Frame(double scale) { var (p, s, _) = Data(z => z / scale, 0, 4); return aligner.Fit(p, s, DepthOutputKind.MetricDepth); }

        var a = Frame(2.0);
        Assert.True(a.SmoothingReset);
        Assert.Equal(2.0, a.Scale, 1e-5);
        var b = Frame(2.2);
        Assert.False(b.SmoothingReset);
        Assert.Equal(2.1, b.Scale, 1e-5); // 2.0 + 0.5·(2.2 − 2.0)
        var c = Frame(4.0);
        Assert.True(c.SmoothingReset);  // 4.0 vs 2.1 is a 90 % jump
        Assert.Equal(4.0, c.Scale, 1e-5);

        var empty = new float[100];
        var held = aligner.Fit(empty, empty, DepthOutputKind.MetricDepth);
        Assert.Equal(FitStatus.HeldPrevious, held.Status);
        Assert.Equal(4.0, held.Scale, 1e-5);

        var fresh = new SparseDepthAligner(new SparseDepthOptions()).Fit(empty, empty, DepthOutputKind.MetricDepth);
        Assert.Equal(FitStatus.Failed, fresh.Status);
        Assert.False(fresh.IsUsable);
    }

    [Fact]
    public void SizeMismatch_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new SparseDepthAligner(new SparseDepthOptions()).Fit(new float[10], new float[9], DepthOutputKind.MetricDepth));
}

public class MetricMappingTests
{
    [Fact]
    public void Disparity_IsInverted_NonPositiveNonFiniteAndOutOfRangeAreNaN()
    {
        // Scale 2, shift 0.5: v = 2d + 0.5; depth = 1/v. d = 1 → 0.4 m, 0.75 → 0.5 m; d = −0.25 → v = 0 (not positive);
        // NaN; d = −1 → v = −1.5 (negative); d = 49.75 → v = 100, 0.01 m: the minimum itself, kept; d = 100 → v = 200.5,
        // 0.0049875 m, below the minimum; d = 0.001 → v = 0.502, 1.992 m, above a 1.9 m maximum.
        float[] d = [1f, 0.75f, -0.25f, float.NaN, -1f, 49.75f, 100f, 0.001f];
        var depth = new float[d.Length];
        var mapping = MetricMapping.For(new MetricFit(MetricSource.Fixed, FitStatus.Configured, 2, 0.5), DepthOutputKind.RelativeDisparity, 0.01f, 1.9f);
        var invalid = mapping.Apply(d, depth);
        Assert.Equal([0.4f, 0.5f], depth[..2]);
        Assert.Equal(0.01f, depth[5]);
        Assert.All(new[] { 2, 3, 4, 6, 7 }, i => Assert.True(float.IsNaN(depth[i]), $"pixel {i}: {depth[i]}"));
        Assert.Equal(5, invalid);
    }

    [Fact]
    public void DepthModel_AffineThenRange_NoReciprocal()
    {
        var mapping = MetricMapping.For(new MetricFit(MetricSource.Fixed, FitStatus.Configured, 1.5, -1), DepthOutputKind.RelativeDepth, 0.5f, 10f);
        // 1.5·4 − 1 = 5; 1.5·1 − 1 = 0.5 (the minimum, kept); 1.5·0.6 − 1 = −0.1; 1.5·8 − 1 = 11 > 10; +Inf stays invalid.
        Assert.Equal(5f, mapping.Apply(4f));
        Assert.Equal(0.5f, mapping.Apply(1f));
        Assert.True(float.IsNaN(mapping.Apply(0.6f)) && float.IsNaN(mapping.Apply(8f)) && float.IsNaN(mapping.Apply(float.PositiveInfinity)));
    }

    [Fact]
    public void FailedFit_MakesEveryPixelInvalid()
    {
        var mapping = MetricMapping.For(new MetricFit(MetricSource.GroundPlane, FitStatus.Failed, 2, 0), DepthOutputKind.MetricDepth);
        Assert.False(mapping.IsUsable);
        var depth = new float[3];
        Assert.Equal(3, mapping.Apply([1f, 2f, 3f], depth));
    }

    [Fact]
    public void FixedAndModelSources_ReportThemselves()
    {
        var f = new FixedMetricScale(new FixedScaleOptions(2, 0.5)).Fit;
        Assert.Equal((MetricSource.Fixed, 2.0, 0.5, FitStatus.Configured), (f.Source, f.Scale, f.Shift, f.Status));
        Assert.StartsWith("fixed configured scale=2 shift=0.5", f.ToString());
        var m = FixedMetricScale.Model.Fit;
        Assert.Equal((MetricSource.Model, 1.0, 0.0), (m.Source, m.Scale, m.Shift));
        var depth = new float[2];
        MetricMapping.For(f, DepthOutputKind.MetricDepth).Apply([3f, 4f], depth);
        Assert.Equal([6.5f, 8.5f], depth); // 2·3 + 0.5, 2·4 + 0.5
    }
}

public class DepthErrorsTests
{
    [Fact]
    public void HandWorkedExample()
    {
        // |1−1|/1 = 0, |2−2.5|/2.5 = 0.2, |4−2|/2 = 1 → AbsRel 0.4; ratios 1, 1.25 (not < 1.25), 2 → δ1 = 1/3;
        // RMSE = sqrt((0 + 0.25 + 4)/3). The fourth pixel is masked out.
        var e = DepthErrors.Compute([1f, 2f, 4f, 100f], [1f, 2.5f, 2f, 1f], [true, true, true, false]);
        Assert.Equal(0.4, e.AbsRel, 1e-7);
        Assert.Equal(1 / 3.0, e.Delta1, 1e-12);
        Assert.Equal(Math.Sqrt(4.25 / 3), e.Rmse, 1e-7);
        Assert.Equal(3, e.ValidPixels);
    }

    [Fact]
    public void Alignment_ExactAffineDisparity_GivesZeroError()
    {
        var r = new Random(5);
        var gt = Enumerable.Range(0, 1000).Select(_ => (float)(1 + 9 * r.NextDouble())).ToArray();
        var mask = gt.Select(_ => true).ToArray();
        var disparity = gt.Select(z => 3f / z + 0.1f).ToArray();
        var (s, t) = GroundTruthAligner.Align(disparity, DepthOutputKind.RelativeDisparity, gt, mask, GroundTruthAlignment.ScaleShift, 1e-3f, 10f);
        Assert.Equal(1 / 3.0, s, 1e-4);
        Assert.Equal(-0.1 / 3, t, 1e-4);
        var e = DepthErrors.Compute(disparity, gt, mask);
        Assert.True(e.AbsRel < 1e-4 && e.Delta1 == 1, e.ToString());

        var depth = gt.Select(z => 2 * z).ToArray();
        (s, _) = GroundTruthAligner.Align(depth, DepthOutputKind.MetricDepth, gt, mask, GroundTruthAlignment.Scale, 1e-3f, 10f);
        Assert.Equal(0.5, s, 1e-6);
        Assert.True(DepthErrors.Compute(depth, gt, mask).AbsRel < 1e-6);
    }
}
