using DepthNode.Distill.Losses;
using DepthNode.Tests;
using OpenCvSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Tests.Losses;

public class FeatureAlignmentLossTests
{
    /// <summary>Tokens from real RGB: each 8×8 block of a frame, flattened to 192 channels, as a ViT's patch tokens.</summary>
    private static double[][] Tokens(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        using var small = bgr.Resize(new OpenCvSharp.Size(128, 96), 0, 0, InterpolationFlags.Area);
        small.GetArray(out Vec3b[] px);
        var tokens = new List<double[]>();
        for (var by = 0; by < 12; by++)
        for (var bx = 0; bx < 16; bx++)
        {
            var t = new double[192];
            for (var y = 0; y < 8; y++)
            for (var x = 0; x < 8; x++)
            for (var c = 0; c < 3; c++)
                t[(y * 8 + x) * 3 + c] = px[(by * 8 + y) * 128 + bx * 8 + x][c] / 255.0 - 0.45;
            tokens.Add(t);
        }
        return tokens.ToArray();
    }

    [Theory]
    [InlineData(0.15)]
    [InlineData(0.0)]
    public void Compute_TokensOfTwoRealFrames_MatchesCosineReference(double margin)
    {
        using var scope = NewDisposeScope();
        var f = Tokens(SharedData.Path("data", "sun3d_fragment1", "frame-000935.color.png"));
        var g = Tokens(SharedData.Path("data", "sun3d_fragment1", "frame-000960.color.png"));
        var student = tensor(f.SelectMany(t => t).ToArray(), [1, f.Length, 192]);
        var reference = tensor(g.SelectMany(t => t).ToArray(), [1, g.Length, 192]);

        var loss = FeatureAlignmentLoss.Compute(student, reference, margin).item<double>();

        var expected = LossReference.FeatureAlignment(f, g, margin);
        Assert.True(expected > 0.01, $"reference {expected} too small to test anything");
        Assert.Equal(expected, loss, expected * 1e-9);
    }

    [Fact]
    public void Compute_MarginExcludesSomeButNotAllTokens_LossBelowTheUnmarginedOne()
    {
        using var scope = NewDisposeScope();
        var f = Tokens(SharedData.Path("data", "sun3d_fragment1", "frame-000935.color.png"));
        var g = Tokens(SharedData.Path("data", "sun3d_fragment1", "frame-000960.color.png"));
        var student = tensor(f.SelectMany(t => t).ToArray(), [1, f.Length, 192]);
        var reference = tensor(g.SelectMany(t => t).ToArray(), [1, g.Length, 192]);

        var withMargin = FeatureAlignmentLoss.Compute(student, reference, 0.15).item<double>();
        var without = FeatureAlignmentLoss.Compute(student, reference, 0.0).item<double>();

        Assert.InRange(withMargin, 1e-6, without - 1e-6);
    }
}
