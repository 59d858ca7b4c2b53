using TorchSharp;

namespace DepthNode.Distill.Tests;

public class TensorTests
{
    [Fact]
    public void Matmul_TwoByThreeTimesThreeByTwo_MatchesHandComputedProduct()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var b = torch.tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);

        using var c = a.matmul(b);

        // Row by column: 1*7+2*9+3*11 = 58, 1*8+2*10+3*12 = 64, 4*7+5*9+6*11 = 139, 4*8+5*10+6*12 = 154.
        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Softmax_OfEqualLogits_IsUniformAndSumsToOne()
    {
        using var logits = torch.full(4, 2.5f);

        using var p = torch.nn.functional.softmax(logits, dim: 0);

        foreach (var v in p.data<float>().ToArray()) Assert.Equal(0.25f, v, 6);
        Assert.Equal(1f, p.sum().item<float>(), 6);
    }
}
