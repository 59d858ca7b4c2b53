using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Inference;

/// <summary>How the network's input tensor is laid out in memory.</summary>
public enum TensorLayout { Nchw, Nhwc }

/// <summary>Order of the three colour channels the network was trained on.</summary>
public enum ColorOrder { Rgb, Bgr }

/// <summary>What the network's output means.</summary>
public enum DepthOutputKind
{
    /// <summary>Metres along the optical axis.</summary>
    MetricDepth,
    /// <summary>Affine-invariant inverse depth (larger = nearer), unknown scale and shift (Distill-Any-Depth, Depth Anything).</summary>
    RelativeDisparity,
    /// <summary>Affine-invariant depth, unknown scale and shift.</summary>
    RelativeDepth,
}

/// <summary>How <see cref="SizePolicy.Choose"/> picks the network input size for keep-aspect models (MiDaS <c>Resize</c> semantics).</summary>
public enum SizeBound
{
    /// <summary>Both sides at least the target (the larger of the two scales).</summary>
    Lower,
    /// <summary>Both sides at most the target (the smaller of the two scales).</summary>
    Upper,
    /// <summary>The scale closer to 1 (transformers' DPTImageProcessor).</summary>
    Minimal,
}

/// <summary>Width and height of the network's input (or output) image.</summary>
public readonly record struct TensorSize(int Width, int Height)
{
    public override string ToString() => $"{Width}x{Height}";
}

/// <summary>
/// The network input size for a camera image: either fixed (the image is squashed to it) or the image's aspect ratio
/// kept with both sides a multiple of <see cref="MultipleOf"/> (ViT patch size 14 for DINOv2 models).
/// </summary>
public sealed record SizePolicy(bool KeepAspect, int Width, int Height, int MultipleOf, SizeBound Bound, int MinSide, int MaxSide)
{
    public static SizePolicy Fixed(int width, int height) => new(false, width, height, 1, SizeBound.Lower, 0, 0);

    /// <summary>The input size for an image of <paramref name="imageWidth"/> × <paramref name="imageHeight"/>.</summary>
    public TensorSize Choose(int imageWidth, int imageHeight)
    {
        if (!KeepAspect) return new TensorSize(Width, Height);
        if (imageWidth <= 0 || imageHeight <= 0) throw new ArgumentOutOfRangeException(nameof(imageWidth), "image size must be positive");
        var sw = (double)Width / imageWidth;
        var sh = (double)Height / imageHeight;
        var s = Bound switch
        {
            SizeBound.Lower => Math.Max(sw, sh),
            SizeBound.Upper => Math.Min(sw, sh),
            _ => Math.Abs(1 - sw) < Math.Abs(1 - sh) ? sw : sh,
        };
        return new TensorSize(Constrain(s * imageWidth, Width), Constrain(s * imageHeight, Height));
    }

    // MiDaS Resize.constrain_to_multiple_of: banker's rounding to the multiple, then ceil (lower bound) or floor
    // (upper bound) when rounding crossed the target; finally the card's absolute side limits.
    private int Constrain(double x, int target)
    {
        var m = MultipleOf;
        var y = (int)(Math.Round(x / m, MidpointRounding.ToEven) * m);
        if (Bound == SizeBound.Lower && y < target) y = (int)(Math.Ceiling(x / m) * m);
        if (Bound == SizeBound.Upper && y > target) y = (int)(Math.Floor(x / m) * m);
        if (MinSide > 0 && y < MinSide) y = (MinSide + m - 1) / m * m;
        if (MaxSide > 0 && y > MaxSide) y = MaxSide / m * m;
        return Math.Max(y, m);
    }
}

/// <summary>How the camera image is shrunk to the network input.</summary>
public enum ResizeFilter
{
    /// <summary>Each input pixel averages the camera pixels it covers (OpenCV INTER_AREA): no aliasing. The default.</summary>
    Area,
    /// <summary>Two taps per axis at the pixel centre (OpenCV INTER_LINEAR, PyTorch bilinear without antialias), for
    /// networks trained on inputs resized that way.</summary>
    Linear,
}

/// <summary>The input side of the contract: tensor name, layout, channel order, value mapping and resize filter.</summary>
/// <remarks>A pixel value p in [0, 255] of channel c becomes <c>(p·Scale − Mean[c]) / Std[c]</c>.</remarks>
public sealed record ModelInputSpec(string Name, TensorLayout Layout, ColorOrder ColorOrder, float Scale, float[] Mean, float[] Std, SizePolicy Size,
    ResizeFilter Resize = ResizeFilter.Area);

/// <summary>The output side: tensor name, meaning, and the depth range (metres) the network can be trusted in.</summary>
public sealed record ModelOutputSpec(string Name, DepthOutputKind Kind, float MinValidDepth, float MaxValidDepth);

/// <summary>
/// A model card: the YAML file next to an <c>.onnx</c> saying what the network expects and returns, so one code path
/// serves FastDepth, Distill-Any-Depth and our own students. <see cref="Load"/> validates every field and names the
/// one that is wrong.
/// </summary>
public sealed record ModelCard(string Name, string File, string? Sha256, ModelInputSpec Input, ModelOutputSpec Output)
{
    /// <summary>Folder the card was loaded from (where <see cref="File"/> is looked for), or null for cards built in code.</summary>
    public string? Directory { get; init; }

    /// <summary>Absolute path of the weights, resolved next to the card.</summary>
    public string ModelPath => Path.IsPathRooted(File) || Directory is null ? File : Path.Combine(Directory, File);

    public static ModelCard Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"model card {path} does not exist", path);
        using var reader = new StreamReader(path);
        return Parse(reader, path) with { Directory = Path.GetDirectoryName(Path.GetFullPath(path)) };
    }

    /// <summary>Finds the card for an <c>.onnx</c> (same name, <c>.yaml</c>) or loads the card itself.</summary>
    public static ModelCard LoadFor(string modelOrCard)
    {
        var ext = Path.GetExtension(modelOrCard);
        if (ext is ".yaml" or ".yml") return Load(modelOrCard);
        var card = Path.ChangeExtension(modelOrCard, ".yaml");
        if (!System.IO.File.Exists(card))
            throw new FileNotFoundException($"{modelOrCard} has no model card: expected {card} (see config/models/*.yaml)", card);
        var c = Load(card);
        return Path.GetFileName(c.File) == Path.GetFileName(modelOrCard) ? c : c with { File = Path.GetFullPath(modelOrCard) };
    }

    /// <summary>
    /// Writes the card as YAML that <see cref="Parse"/> reads back to an equal card (the exporter puts one beside each
    /// <c>.onnx</c>). <paramref name="comment"/> lines go on top as <c>#</c> comments (provenance, seed, check results).
    /// </summary>
    public void Write(TextWriter text, IEnumerable<string>? comment = null)
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        static string F(float f) => f.ToString("R", CultureInfo.InvariantCulture);
        static string L(float[] v) => "[" + string.Join(", ", v.Select(F)) + "]";
        foreach (var line in comment ?? []) text.WriteLine("# " + line.ReplaceLineEndings(" "));
        text.WriteLine($"name: {Q(Name)}");
        text.WriteLine($"file: {Q(File)}");
        if (Sha256 is not null) text.WriteLine($"sha256: {Sha256}");
        text.WriteLine("input:");
        text.WriteLine($"  name: {Q(Input.Name)}");
        text.WriteLine($"  layout: {(Input.Layout == TensorLayout.Nchw ? "NCHW" : "NHWC")}");
        text.WriteLine($"  color_order: {(Input.ColorOrder == ColorOrder.Rgb ? "RGB" : "BGR")}");
        text.WriteLine($"  scale: {F(Input.Scale)}");
        text.WriteLine($"  mean: {L(Input.Mean)}");
        text.WriteLine($"  std: {L(Input.Std)}");
        text.WriteLine($"  resize: {(Input.Resize == ResizeFilter.Area ? "area" : "linear")}");
        var size = Input.Size;
        text.WriteLine("  size:");
        text.WriteLine($"    policy: {(size.KeepAspect ? "keep_aspect" : "fixed")}");
        text.WriteLine($"    width: {size.Width}");
        text.WriteLine($"    height: {size.Height}");
        if (size.KeepAspect)
        {
            text.WriteLine($"    multiple_of: {size.MultipleOf}");
            text.WriteLine($"    bound: {size.Bound.ToString().ToLowerInvariant()}");
            if (size.MinSide > 0) text.WriteLine($"    min_side: {size.MinSide}");
            if (size.MaxSide > 0) text.WriteLine($"    max_side: {size.MaxSide}");
        }
        text.WriteLine("output:");
        text.WriteLine($"  name: {Q(Output.Name)}");
        text.WriteLine($"  kind: {Output.Kind switch { DepthOutputKind.MetricDepth => "metric_depth", DepthOutputKind.RelativeDisparity => "relative_disparity", _ => "relative_depth" }}");
        if (Output.Kind == DepthOutputKind.MetricDepth && float.IsFinite(Output.MaxValidDepth))
            text.WriteLine($"  valid_range_m: [{F(Output.MinValidDepth)}, {F(Output.MaxValidDepth)}]");
    }

    /// <summary><see cref="Write(TextWriter, IEnumerable{string}?)"/> to a file.</summary>
    public void Write(string path, IEnumerable<string>? comment = null)
    {
        using var w = new StreamWriter(path);
        Write(w, comment);
    }

    public static ModelCard Parse(TextReader text, string sourceName)
    {
        var stream = new YamlStream();
        try { stream.Load(text); }
        catch (YamlDotNet.Core.YamlException e) { throw new ModelCardException(sourceName, "", $"is not valid YAML: {e.Message}"); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ModelCardException(sourceName, "", "is empty or not a YAML mapping");
        var r = new CardReader(sourceName);
        var name = r.String(root, "name");
        var file = r.String(root, "file");
        var sha = r.OptionalString(root, "sha256");
        if (sha is not null && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
            throw new ModelCardException(sourceName, "sha256", $"must be 64 hex digits, got '{sha}'");

        var input = r.Map(root, "input");
        var layout = r.Enum(input, "input.layout", "layout", ("NCHW", TensorLayout.Nchw), ("NHWC", TensorLayout.Nhwc));
        var order = r.Enum(input, "input.color_order", "color_order", ("RGB", ColorOrder.Rgb), ("BGR", ColorOrder.Bgr));
        var scale = r.Float(input, "input.scale", "scale");
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ModelCardException(sourceName, "input.scale", $"must be a positive number, got {scale}");
        var mean = r.Triple(input, "input.mean", "mean");
        var std = r.Triple(input, "input.std", "std");
        if (std.Any(s => !(s > 0))) throw new ModelCardException(sourceName, "input.std", "every entry must be > 0");
        var size = r.Map(input, "size", "input.size");
        var policy = r.Enum(size, "input.size.policy", "policy", ("fixed", false), ("keep_aspect", true));
        var w = r.Int(size, "input.size.width", "width", 1, 8192);
        var h = r.Int(size, "input.size.height", "height", 1, 8192);
        SizePolicy sizePolicy;
        if (!policy) sizePolicy = SizePolicy.Fixed(w, h);
        else
        {
            var multiple = r.Int(size, "input.size.multiple_of", "multiple_of", 1, 1024);
            var bound = r.Enum(size, "input.size.bound", "bound", ("lower", SizeBound.Lower), ("upper", SizeBound.Upper), ("minimal", SizeBound.Minimal));
            var min = r.OptionalInt(size, "input.size.min_side", "min_side") ?? 0;
            var max = r.OptionalInt(size, "input.size.max_side", "max_side") ?? 0;
            if (max > 0 && max < multiple) throw new ModelCardException(sourceName, "input.size.max_side", $"{max} is smaller than multiple_of {multiple}");
            if (min > 0 && max > 0 && min > max) throw new ModelCardException(sourceName, "input.size.min_side", $"{min} exceeds max_side {max}");
            if (w % multiple != 0 || h % multiple != 0)
                throw new ModelCardException(sourceName, "input.size", $"target {w}x{h} is not a multiple of {multiple}");
            sizePolicy = new SizePolicy(true, w, h, multiple, bound, min, max);
        }
        var resize = r.OptionalString(input, "resize") is null ? ResizeFilter.Area
            : r.Enum(input, "input.resize", "resize", ("area", ResizeFilter.Area), ("linear", ResizeFilter.Linear));
        var inputSpec = new ModelInputSpec(r.String(input, "name", "input.name"), layout, order, scale, mean, std, sizePolicy, resize);

        var output = r.Map(root, "output");
        var kind = r.Enum(output, "output.kind", "kind",
            ("metric_depth", DepthOutputKind.MetricDepth), ("relative_disparity", DepthOutputKind.RelativeDisparity), ("relative_depth", DepthOutputKind.RelativeDepth));
        float lo = 0, hi = float.PositiveInfinity;
        if (output.Children.ContainsKey(new YamlScalarNode("valid_range_m")))
        {
            var range = r.Pair(output, "output.valid_range_m", "valid_range_m");
            (lo, hi) = (range[0], range[1]);
            if (!(lo >= 0) || !(hi > lo)) throw new ModelCardException(sourceName, "output.valid_range_m", $"needs 0 <= min < max, got [{lo}, {hi}]");
            if (kind != DepthOutputKind.MetricDepth)
                throw new ModelCardException(sourceName, "output.valid_range_m", "is metres and only applies to kind metric_depth");
        }
        var outputSpec = new ModelOutputSpec(r.String(output, "name", "output.name"), kind, lo, hi);
        return new ModelCard(name, file, sha, inputSpec, outputSpec);
    }

    /// <summary>Reads typed fields; every failure names the card and the dotted field path.</summary>
    private readonly struct CardReader(string source)
    {
        private YamlNode? Get(YamlMappingNode m, string key) =>
            m.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

        private YamlNode Need(YamlMappingNode m, string path, string key) =>
            Get(m, key) ?? throw new ModelCardException(source, path, "is missing");

        public YamlMappingNode Map(YamlMappingNode m, string key, string? path = null) =>
            Need(m, path ?? key, key) as YamlMappingNode ?? throw new ModelCardException(source, path ?? key, "must be a mapping");

        public string String(YamlMappingNode m, string key, string? path = null)
        {
            var v = Need(m, path ?? key, key) is YamlScalarNode { Value: { } s } ? s : null;
            return string.IsNullOrWhiteSpace(v) ? throw new ModelCardException(source, path ?? key, "must be a non-empty string") : v;
        }

        public string? OptionalString(YamlMappingNode m, string key) => Get(m, key) is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

        public T Enum<T>(YamlMappingNode m, string path, string key, params (string Text, T Value)[] choices)
        {
            var s = String(m, key, path);
            foreach (var (t, v) in choices) if (string.Equals(t, s, StringComparison.OrdinalIgnoreCase)) return v;
            throw new ModelCardException(source, path, $"'{s}' is not one of {string.Join(", ", choices.Select(c => c.Text))}");
        }

        public float Float(YamlMappingNode m, string path, string key) => ParseFloat(Need(m, path, key), path);

        private float ParseFloat(YamlNode n, string path) =>
            n is YamlScalarNode { Value: { } s } && float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f)
                ? f : throw new ModelCardException(source, path, $"must be a finite number, got '{(n as YamlScalarNode)?.Value ?? n.NodeType.ToString()}'");

        public int Int(YamlMappingNode m, string path, string key, int min, int max) =>
            OptionalInt(m, path, key, min, max) ?? throw new ModelCardException(source, path, "is missing");

        public int? OptionalInt(YamlMappingNode m, string path, string key, int min = 0, int max = 1 << 20)
        {
            var n = Get(m, key);
            if (n is null) return null;
            if (n is YamlScalarNode { Value: { } s } && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
            throw new ModelCardException(source, path, $"must be an integer in [{min}, {max}], got '{(n as YamlScalarNode)?.Value}'");
        }

        public float[] Triple(YamlMappingNode m, string path, string key) => List(m, path, key, 3);
        public float[] Pair(YamlMappingNode m, string path, string key) => List(m, path, key, 2);

        private float[] List(YamlMappingNode m, string path, string key, int count)
        {
            if (Need(m, path, key) is not YamlSequenceNode seq || seq.Children.Count != count)
                throw new ModelCardException(source, path, $"must be a list of {count} numbers");
            var values = new float[count];
            for (var i = 0; i < count; i++) values[i] = ParseFloat(seq.Children[i], $"{path}[{i}]");
            return values;
        }
    }
}

/// <summary>A model card (or an ONNX model checked against its card) is wrong; the message names the file and field.</summary>
public sealed class ModelCardException : FormatException
{
    public ModelCardException(string source, string field, string problem)
        : base(field.Length == 0 ? $"model card {source} {problem}" : $"model card {source}: {field} {problem}")
    {
        CardPath = source;
        Field = field;
    }

    public string CardPath { get; }
    public string Field { get; }
}
