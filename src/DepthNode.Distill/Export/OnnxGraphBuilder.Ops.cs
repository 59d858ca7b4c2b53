using static DepthNode.Distill.Export.OnnxAttributes;

namespace DepthNode.Distill.Export;

// Operator emitters. Each mirrors one torch function (named in its comment) and is tested against it through ONNX
// Runtime (OnnxGraphBuilderOpsTests). Semantics are those of the builder's opset (>= 17).
public sealed partial class OnnxGraphBuilder
{
    /// <summary>F.conv2d: weight [out, in/groups, kh, kw]; <paramref name="padding"/> symmetric (top/bottom, left/right).</summary>
    public OnnxValue Conv(OnnxValue x, OnnxValue weight, OnnxValue? bias, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, int groups = 1, (int H, int W)? dilation = null)
    {
        var d = dilation ?? (1, 1);
        return Node("Conv", [x, weight, bias ?? OnnxValue.None],
            Ints("kernel_shape", kernel.H, kernel.W), Ints("strides", stride.H, stride.W),
            Ints("pads", padding.H, padding.W, padding.H, padding.W), Ints("dilations", d.H, d.W), Int("group", groups));
    }

    /// <summary>F.conv_transpose2d: weight [in, out/groups, kh, kw]; torch's <c>padding</c> and <c>output_padding</c>.</summary>
    public OnnxValue ConvTranspose(OnnxValue x, OnnxValue weight, OnnxValue? bias, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) outputPadding = default, int groups = 1)
    {
        return Node("ConvTranspose", [x, weight, bias ?? OnnxValue.None],
            Ints("kernel_shape", kernel.H, kernel.W), Ints("strides", stride.H, stride.W),
            Ints("pads", padding.H, padding.W, padding.H, padding.W), Ints("output_padding", outputPadding.H, outputPadding.W),
            Int("group", groups));
    }

    /// <summary>F.batch_norm in eval mode (running statistics).</summary>
    public OnnxValue BatchNormalization(OnnxValue x, OnnxValue scale, OnnxValue bias, OnnxValue mean, OnnxValue variance, float epsilon = 1e-5f) =>
        Node("BatchNormalization", [x, scale, bias, mean, variance], Float("epsilon", epsilon));

    /// <summary>F.layer_norm over the last dimensions from <paramref name="axis"/>; statistics in float32 even in float16
    /// mode (stash_type 1), as TensorRT's normalization layer does.</summary>
    public OnnxValue LayerNormalization(OnnxValue x, OnnxValue scale, OnnxValue bias, float epsilon, int axis = -1) =>
        Node("LayerNormalization", [x, scale, bias], Int("axis", axis), Float("epsilon", epsilon), Int("stash_type", 1));

    public OnnxValue Relu(OnnxValue x) => Node("Relu", [x]);

    /// <summary>torch.clamp / F.relu6 (Clip with min and max as inputs, opset 11+).</summary>
    public OnnxValue Clip(OnnxValue x, float min, float max) => Node("Clip", [x, Constant(min), Constant(max)]);

    /// <summary>F.gelu (exact, erf-based). Below opset 20 the decomposition x·½·(1 + erf(x/√2)) in the form torch.onnx
    /// writes it, which TensorRT and ONNX Runtime both fuse back into one GELU kernel; from opset 20 the Gelu operator.</summary>
    public OnnxValue Gelu(OnnxValue x)
    {
        if (Opset >= 20) return Node("Gelu", [x], String("approximate", "none"));
        var erf = Node("Erf", [Div(x, Constant(MathF.Sqrt(2f)))]);
        return Mul(Mul(x, Add(erf, Constant(1f))), Constant(0.5f));
    }

    public OnnxValue Erf(OnnxValue x) => Node("Erf", [x]);
    public OnnxValue Sigmoid(OnnxValue x) => Node("Sigmoid", [x]);
    public OnnxValue Sqrt(OnnxValue x) => Node("Sqrt", [x]);
    public OnnxValue Add(OnnxValue a, OnnxValue b) => Node("Add", [a, b]);
    public OnnxValue Sub(OnnxValue a, OnnxValue b) => Node("Sub", [a, b]);
    public OnnxValue Mul(OnnxValue a, OnnxValue b) => Node("Mul", [a, b]);
    public OnnxValue Div(OnnxValue a, OnnxValue b) => Node("Div", [a, b]);

    /// <summary>torch.matmul (batched, broadcasting).</summary>
    public OnnxValue MatMul(OnnxValue a, OnnxValue b) => Node("MatMul", [a, b]);

    /// <summary>F.linear on a 2-D input: a·Bᵀ + c with B [out, in] as torch stores it.</summary>
    public OnnxValue Gemm(OnnxValue a, OnnxValue b, OnnxValue? c, bool transB = true) =>
        Node("Gemm", [a, b, c ?? OnnxValue.None], Int("transB", transB ? 1 : 0));

    /// <summary>F.linear on any rank: MatMul with the transposed weight (stored transposed, [in, out]) plus bias.
    /// <paramref name="weightTransposed"/> is the initializer of weight.T.</summary>
    public OnnxValue Linear(OnnxValue x, OnnxValue weightTransposed, OnnxValue? bias)
    {
        var y = MatMul(x, weightTransposed);
        return bias is { } b ? Add(y, b) : y;
    }

    /// <summary>torch.reshape with a constant shape (0 copies the input's dimension, -1 is inferred).</summary>
    public OnnxValue Reshape(OnnxValue x, params long[] shape) => Node("Reshape", [x, Int64s(shape)]);

    public OnnxValue Reshape(OnnxValue x, OnnxValue shape) => Node("Reshape", [x, shape]);

    /// <summary>torch.permute.</summary>
    public OnnxValue Transpose(OnnxValue x, params long[] perm) => Node("Transpose", [x], Ints("perm", perm));

    /// <summary>torch.cat.</summary>
    public OnnxValue Concat(int axis, params OnnxValue[] values) => Node("Concat", values, Int("axis", axis));

    /// <summary>x[starts:ends:steps] along <paramref name="axes"/> (constant bounds; long.MaxValue for "to the end").</summary>
    public OnnxValue Slice(OnnxValue x, long[] starts, long[] ends, long[] axes, long[]? steps = null) =>
        Node("Slice", [x, Int64s(starts), Int64s(ends), Int64s(axes), steps is null ? OnnxValue.None : Int64s(steps)]);

    /// <summary>Slice with bounds computed in the graph (1-D int64 values).</summary>
    public OnnxValue Slice(OnnxValue x, OnnxValue starts, OnnxValue ends, OnnxValue axes, OnnxValue? steps = null) =>
        Node("Slice", [x, starts, ends, axes, steps ?? OnnxValue.None]);

    /// <summary>x.shape[start:end] as a 1-D int64 tensor (the source of dynamic sizes).</summary>
    public OnnxValue Shape(OnnxValue x, long start = 0, long? end = null) =>
        end is { } e ? Node("Shape", [x], Int("start", start), Int("end", e)) : Node("Shape", [x], Int("start", start));

    /// <summary>torch.index_select / x[i] along <paramref name="axis"/>; a scalar index drops the axis.</summary>
    public OnnxValue Gather(OnnxValue x, OnnxValue indices, int axis = 0) => Node("Gather", [x, indices], Int("axis", axis));

    public OnnxValue Unsqueeze(OnnxValue x, params long[] axes) => Node("Unsqueeze", [x, Int64s(axes)]);
    public OnnxValue Squeeze(OnnxValue x, params long[] axes) => Node("Squeeze", [x, Int64s(axes)]);

    /// <summary>F.softmax along <paramref name="axis"/>.</summary>
    public OnnxValue Softmax(OnnxValue x, int axis = -1) => Node("Softmax", [x], Int("axis", axis));

    /// <summary>Element type conversion (an ONNX TensorProto data type, e.g. <see cref="OnnxTensors.Float"/>).</summary>
    public OnnxValue Cast(OnnxValue x, int to) => Node("Cast", [x], Int("to", to));

    /// <summary>F.interpolate(mode="bicubic", scale_factor=(sh, sw), align_corners=False) with torch's default
    /// recompute_scale_factor: output floor(size·scale), source coordinate (x + ½)/scale − ½, Keys a = −0.75, edge
    /// pixels repeated. <paramref name="scalesHW"/> is a float32 [2] value (may be computed in the graph).</summary>
    public OnnxValue ResizeCubic(OnnxValue x, OnnxValue scalesHW) =>
        Node("Resize", [x, OnnxValue.None, Concat(0, Float32s(1f, 1f), scalesHW)],
            String("mode", "cubic"), String("coordinate_transformation_mode", "half_pixel"), Float("cubic_coeff_a", -0.75f),
            Int("exclude_outside", 0));

    public OnnxValue ResizeCubic(OnnxValue x, float scaleH, float scaleW) =>
        Node("Resize", [x, OnnxValue.None, Float32s(1f, 1f, scaleH, scaleW)],
            String("mode", "cubic"), String("coordinate_transformation_mode", "half_pixel"), Float("cubic_coeff_a", -0.75f),
            Int("exclude_outside", 0));

    /// <summary>F.interpolate(mode="bilinear", size=(h, w), align_corners=True). <paramref name="sizeHW"/> is an int64 [2]
    /// value (computed in the graph for dynamic inputs, or <see cref="Int64s"/>).</summary>
    public OnnxValue ResizeLinearAlignCorners(OnnxValue x, OnnxValue sizeHW) =>
        Node("Resize", [x, OnnxValue.None, OnnxValue.None, Concat(0, Shape(x, 0, 2), sizeHW)],
            String("mode", "linear"), String("coordinate_transformation_mode", "align_corners"));

    /// <summary>F.interpolate(mode="nearest", scale_factor=(sh, sw)): source index floor(x / scale).</summary>
    public OnnxValue ResizeNearest(OnnxValue x, float scaleH, float scaleW) =>
        Node("Resize", [x, OnnxValue.None, Float32s(1f, 1f, scaleH, scaleW)],
            String("mode", "nearest"), String("coordinate_transformation_mode", "asymmetric"), String("nearest_mode", "floor"));
}
