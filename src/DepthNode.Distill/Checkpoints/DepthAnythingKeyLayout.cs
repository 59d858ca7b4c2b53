using System.Text.RegularExpressions;

namespace DepthNode.Distill.Checkpoints;

/// <summary>
/// How one family of published Depth Anything checkpoints names the network's parameters. Our network uses the
/// official small/base names (`pretrained.*`, `depth_head.*`); each layout says which file key(s) hold a network key.
/// Several file keys (the transformers ports' separate query/key/value) are concatenated along dimension 0.
/// </summary>
public abstract partial class DepthAnythingKeyLayout
{
    /// <summary>Depth Anything V2 `.pth` and Distill-Any-Depth small/base `model.safetensors`: our own names.</summary>
    public static DepthAnythingKeyLayout Official { get; } = new OfficialLayout();

    /// <summary>Distill-Any-Depth large (`dam.py`): `backbone.*`, blocks in one BlockChunk `backbone.blocks.0.N.*`.</summary>
    public static DepthAnythingKeyLayout DistillAnyDepthLarge { get; } = new ChunkedBackboneLayout();

    /// <summary>transformers `DepthAnythingForDepthEstimation` (`*-hf`): `backbone.embeddings.*`, `neck.*`, `head.*`.</summary>
    public static DepthAnythingKeyLayout Transformers { get; } = new TransformersLayout();

    public static IReadOnlyList<DepthAnythingKeyLayout> All { get; } = [Official, DistillAnyDepthLarge, Transformers];

    public abstract string Name { get; }

    /// <summary>The file key(s) holding <paramref name="networkKey"/>.</summary>
    public abstract IReadOnlyList<string> FileKeys(string networkKey);

    /// <summary>The layout a file's keys are in, or null when none matches.</summary>
    public static DepthAnythingKeyLayout? Detect(IEnumerable<string> fileKeys)
    {
        var keys = fileKeys as ICollection<string> ?? fileKeys.ToList();
        if (keys.Any(k => k.StartsWith("backbone.embeddings.", StringComparison.Ordinal))) return Transformers;
        if (keys.Any(k => ChunkedBlockKey().IsMatch(k))) return DistillAnyDepthLarge;
        if (keys.Any(k => k.StartsWith("pretrained.", StringComparison.Ordinal))) return Official;
        return null;
    }

    public override string ToString() => Name;

    [GeneratedRegex(@"^backbone\.blocks\.0\.\d+\.")]
    private static partial Regex ChunkedBlockKey();

    private sealed class OfficialLayout : DepthAnythingKeyLayout
    {
        public override string Name => "official (pretrained.*, depth_head.*)";
        public override IReadOnlyList<string> FileKeys(string networkKey) => [networkKey];
    }

    private sealed partial class ChunkedBackboneLayout : DepthAnythingKeyLayout
    {
        public override string Name => "Distill-Any-Depth large (backbone.blocks.0.N.*, depth_head.*)";

        public override IReadOnlyList<string> FileKeys(string networkKey)
        {
            var block = BlockKey().Match(networkKey);
            if (block.Success) return [$"backbone.blocks.0.{block.Groups[1].Value}.{block.Groups[2].Value}"];
            return networkKey.StartsWith("pretrained.", StringComparison.Ordinal) ? ["backbone." + networkKey["pretrained.".Length..]] : [networkKey];
        }

        [GeneratedRegex(@"^pretrained\.blocks\.(\d+)\.(.+)$")]
        private static partial Regex BlockKey();
    }

    /// <summary>The renaming of transformers' `convert_depth_anything_to_hf.py` / `convert_distill_any_depth_to_hf.py`.</summary>
    private sealed partial class TransformersLayout : DepthAnythingKeyLayout
    {
        private static readonly (Regex Network, Func<Match, string[]> File)[] Rules =
        [
            (new(@"^pretrained\.cls_token$"), _ => ["backbone.embeddings.cls_token"]),
            (new(@"^pretrained\.mask_token$"), _ => ["backbone.embeddings.mask_token"]),
            (new(@"^pretrained\.pos_embed$"), _ => ["backbone.embeddings.position_embeddings"]),
            (new(@"^pretrained\.patch_embed\.proj\.(weight|bias)$"), m => [$"backbone.embeddings.patch_embeddings.projection.{m.Groups[1]}"]),
            (new(@"^pretrained\.norm\.(weight|bias)$"), m => [$"backbone.layernorm.{m.Groups[1]}"]),
            (new(@"^pretrained\.blocks\.(\d+)\.attn\.qkv\.(weight|bias)$"), m =>
                [.. new[] { "query", "key", "value" }.Select(p => $"backbone.encoder.layer.{m.Groups[1]}.attention.attention.{p}.{m.Groups[2]}")]),
            (new(@"^pretrained\.blocks\.(\d+)\.attn\.proj\.(weight|bias)$"), m => [$"backbone.encoder.layer.{m.Groups[1]}.attention.output.dense.{m.Groups[2]}"]),
            (new(@"^pretrained\.blocks\.(\d+)\.ls([12])\.gamma$"), m => [$"backbone.encoder.layer.{m.Groups[1]}.layer_scale{m.Groups[2]}.lambda1"]),
            (new(@"^pretrained\.blocks\.(\d+)\.(norm[12]|mlp\.fc[12])\.(weight|bias)$"), m => [$"backbone.encoder.layer.{m.Groups[1]}.{m.Groups[2]}.{m.Groups[3]}"]),
            (new(@"^depth_head\.projects\.(\d)\.(weight|bias)$"), m => [$"neck.reassemble_stage.layers.{m.Groups[1]}.projection.{m.Groups[2]}"]),
            (new(@"^depth_head\.resize_layers\.(\d)\.(weight|bias)$"), m => [$"neck.reassemble_stage.layers.{m.Groups[1]}.resize.{m.Groups[2]}"]),
            (new(@"^depth_head\.scratch\.layer(\d)_rn\.weight$"), m => [$"neck.convs.{int.Parse(m.Groups[1].Value) - 1}.weight"]),
            // transformers numbers the fusion layers from the deepest: refinenet4 is layers.0.
            (new(@"^depth_head\.scratch\.refinenet(\d)\.out_conv\.(weight|bias)$"), m => [$"neck.fusion_stage.layers.{4 - int.Parse(m.Groups[1].Value)}.projection.{m.Groups[2]}"]),
            (new(@"^depth_head\.scratch\.refinenet(\d)\.resConfUnit([12])\.conv([12])\.(weight|bias)$"), m =>
                [$"neck.fusion_stage.layers.{4 - int.Parse(m.Groups[1].Value)}.residual_layer{m.Groups[2]}.convolution{m.Groups[3]}.{m.Groups[4]}"]),
            (new(@"^depth_head\.scratch\.output_conv1\.(weight|bias)$"), m => [$"head.conv1.{m.Groups[1]}"]),
            (new(@"^depth_head\.scratch\.output_conv2\.0\.(weight|bias)$"), m => [$"head.conv2.{m.Groups[1]}"]),
            (new(@"^depth_head\.scratch\.output_conv2\.2\.(weight|bias)$"), m => [$"head.conv3.{m.Groups[1]}"]),
        ];

        public override string Name => "transformers (backbone.embeddings.*, backbone.encoder.layer.N.*, neck.*, head.*)";

        public override IReadOnlyList<string> FileKeys(string networkKey)
        {
            foreach (var (network, file) in Rules)
            {
                var m = network.Match(networkKey);
                if (m.Success) return file(m);
            }
            throw new InvalidOperationException($"no transformers name for network parameter '{networkKey}'");
        }
    }
}
