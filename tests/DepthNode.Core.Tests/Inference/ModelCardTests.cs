using DepthNode.Inference;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Inference;

public class ModelCardTests
{
    private static string CardPath(string name) => Path.Combine(SharedData.RepoRoot(), "config", "models", name);

    [Fact]
    public void FastDepthCard_DescribesTheInstalledNetwork()
    {
        var c = ModelCard.Load(CardPath("fastdepth_7.yaml"));
        Assert.Equal("fastdepth_7", c.Name);
        Assert.Equal("0", c.Input.Name);
        Assert.Equal("350", c.Output.Name);
        Assert.Equal(TensorLayout.Nchw, c.Input.Layout);
        Assert.Equal(ColorOrder.Rgb, c.Input.ColorOrder);
        Assert.Equal(1 / 255f, c.Input.Scale, 6);
        Assert.False(c.Input.Size.KeepAspect);
        Assert.Equal(new TensorSize(224, 224), c.Input.Size.Choose(1242, 375));
        Assert.Equal(DepthOutputKind.MetricDepth, c.Output.Kind);
        Assert.Equal((0.1f, 10f), (c.Output.MinValidDepth, c.Output.MaxValidDepth));
        Assert.Equal(Path.Combine(SharedData.RepoRoot(), "config", "models", "fastdepth_7.onnx"), c.ModelPath);
    }

    [Theory]
    [InlineData("small")]
    [InlineData("base")]
    [InlineData("large")]
    public void DistillAnyDepthCards_FollowTheMethodDocument(string size)
    {
        var c = ModelCard.Load(CardPath($"distill_any_depth_{size}.yaml"));
        Assert.Equal("pixel_values", c.Input.Name);
        Assert.Equal("predicted_depth", c.Output.Name);
        Assert.Equal(DepthOutputKind.RelativeDisparity, c.Output.Kind);
        Assert.Equal(ColorOrder.Rgb, c.Input.ColorOrder);
        Assert.Equal([0.485f, 0.456f, 0.406f], c.Input.Mean);
        Assert.Equal([0.229f, 0.224f, 0.225f], c.Input.Std);
        Assert.True(c.Input.Size.KeepAspect);
        Assert.Equal(14, c.Input.Size.MultipleOf);
        Assert.Equal($"distill_any_depth_{size}.onnx", c.File);
        // Method doc §1.3: the transformers reference for a 640x480 COCO image runs at 518x686 (H x W).
        Assert.Equal(new TensorSize(686, 518), c.Input.Size.Choose(640, 480));
    }

    [Theory]
    // MiDaS Resize(518, 518, keep_aspect_ratio, ensure_multiple_of=14, lower_bound), worked by hand:
    // KITTI 1242x375: scale = 518/375 = 1.38133; 1242·s = 1715.6 → /14 = 122.54 → 123·14 = 1722; 375·s = 518.
    [InlineData(1242, 375, SizeBound.Lower, 1722, 518)]
    // upper bound: scale = 518/1242 = 0.41707; 375·s = 156.4 → /14 = 11.17 → 11·14 = 154; width 518.
    [InlineData(1242, 375, SizeBound.Upper, 518, 154)]
    // minimal: |1 − 0.417| > |1 − 1.381| so 1.381 wins, as lower bound here.
    [InlineData(1242, 375, SizeBound.Minimal, 1722, 518)]
    // square: exactly 518.
    [InlineData(1000, 1000, SizeBound.Lower, 518, 518)]
    public void KeepAspectPolicy_ChoosesMultiplesOf14(int w, int h, SizeBound bound, int ew, int eh)
    {
        var p = new SizePolicy(true, 518, 518, 14, bound, 0, 0);
        Assert.Equal(new TensorSize(ew, eh), p.Choose(w, h));
    }

    [Fact]
    public void KeepAspectPolicy_RespectsMaxSide()
    {
        var p = new SizePolicy(true, 518, 518, 14, SizeBound.Lower, 0, 1400);
        var s = p.Choose(1242, 375);
        Assert.Equal(1400, s.Width);
        Assert.Equal(0, s.Width % 14);
    }

    private const string Valid = """
        name: t
        file: t.onnx
        input:
          name: x
          layout: NCHW
          color_order: RGB
          scale: 0.5
          mean: [0, 0, 0]
          std: [1, 1, 1]
          size: {policy: fixed, width: 32, height: 16}
        output:
          name: y
          kind: metric_depth
          valid_range_m: [0.1, 10]
        """;

    [Theory]
    [InlineData("", ResizeFilter.Area)]
    [InlineData("  resize: linear\n", ResizeFilter.Linear)]
    [InlineData("  resize: area\n", ResizeFilter.Area)]
    public void Parse_ResizeFilter_DefaultsToArea(string line, ResizeFilter expected)
    {
        var c = ModelCard.Parse(new StringReader(Valid.Replace("  name: x\n", "  name: x\n" + line)), "t.yaml");
        Assert.Equal(expected, c.Input.Resize);
    }

    [Fact]
    public void Parse_UnknownResizeFilter_NamesTheField()
    {
        var e = Assert.Throws<ModelCardException>(() => ModelCard.Parse(new StringReader(Valid.Replace("  name: x\n", "  name: x\n  resize: cubic\n")), "t.yaml"));
        Assert.Contains("input.resize", e.Message);
    }

    [Fact]
    public void Parse_ValidCard_RoundTripsFields()
    {
        var c = ModelCard.Parse(new StringReader(Valid), "t.yaml");
        Assert.Equal(new TensorSize(32, 16), c.Input.Size.Choose(5, 5));
        Assert.Equal(0.5f, c.Input.Scale);
    }

    [Theory]
    [InlineData("  name: x\n", "", "input.name")]
    [InlineData("layout: NCHW", "layout: CHW", "input.layout")]
    [InlineData("color_order: RGB", "color_order: RGBA", "input.color_order")]
    [InlineData("std: [1, 1, 1]", "std: [1, 0, 1]", "input.std")]
    [InlineData("mean: [0, 0, 0]", "mean: [0, 0]", "input.mean")]
    [InlineData("scale: 0.5", "scale: -1", "input.scale")]
    [InlineData("{policy: fixed, width: 32, height: 16}", "{policy: fixed, width: 0, height: 16}", "input.size.width")]
    [InlineData("{policy: fixed, width: 32, height: 16}", "{policy: keep_aspect, width: 30, height: 28, multiple_of: 14, bound: lower}", "input.size")]
    [InlineData("{policy: fixed, width: 32, height: 16}", "{policy: keep_aspect, width: 28, height: 28, multiple_of: 14, bound: sideways}", "input.size.bound")]
    [InlineData("kind: metric_depth", "kind: depth", "output.kind")]
    [InlineData("kind: metric_depth", "kind: relative_disparity", "output.valid_range_m")]
    [InlineData("valid_range_m: [0.1, 10]", "valid_range_m: [10, 0.1]", "output.valid_range_m")]
    [InlineData("file: t.onnx", "file: t.onnx\nsha256: abc", "sha256")]
    public void Parse_BadField_NamesIt(string from, string to, string field)
    {
        var text = Valid.Replace(from, to);
        Assert.NotEqual(Valid, text);
        var e = Assert.Throws<ModelCardException>(() => ModelCard.Parse(new StringReader(text), "bad.yaml"));
        Assert.Equal(field, e.Field);
        Assert.Contains("bad.yaml", e.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Parse_NotYaml_SaysSo()
    {
        var e = Assert.Throws<ModelCardException>(() => ModelCard.Parse(new StringReader("name: [unclosed"), "x.yaml"));
        Assert.Contains("not valid YAML", e.Message);
    }

    [Fact]
    public void LoadFor_OnnxWithoutCard_NamesTheExpectedCard()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ModelCard.LoadFor("/nonexistent/net.onnx"));
        Assert.Contains("/nonexistent/net.yaml", e.Message);
    }

    [Fact]
    public void Contract_FixedCardAgainstDynamicNetwork_IsAccepted_AndNhwcChannelsAreChecked()
    {
        var c = ModelCard.Parse(new StringReader(Valid), "t.yaml");
        var dyn = new Dictionary<string, TensorDeclaration> { ["x"] = new(typeof(float), [1, 3, -1, -1]) };
        var outs = new Dictionary<string, TensorDeclaration> { ["y"] = new(typeof(float), [1, -1, -1]) };
        ModelContract.Check(c, dyn, outs);
        var channelsLast = new Dictionary<string, TensorDeclaration> { ["x"] = new(typeof(float), [1, 16, 32, 3]) };
        ModelContract.Check(c with { Input = c.Input with { Layout = TensorLayout.Nhwc } }, channelsLast, outs);
        var e = Assert.Throws<ModelCardException>(() => ModelContract.Check(c, channelsLast, outs));
        Assert.Equal("input.layout", e.Field);
        var twoMaps = new Dictionary<string, TensorDeclaration> { ["y"] = new(typeof(float), [1, 2, 16, 32]) };
        Assert.Throws<ModelCardException>(() => ModelContract.Check(c, dyn, twoMaps));
    }
}
