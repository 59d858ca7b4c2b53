using DepthNode.Distill.Networks.DepthAnything;

namespace DepthNode.Distill.Tests.Checkpoints;

/// <summary>
/// The complete key lists (name → shape) of the published checkpoints, written here from the published
/// architecture and the converters' renaming (Depth-Anything-V2 `dpt.py`/`dinov2.py`, Distill-Any-Depth `dam.py`/
/// `ViT_DINO.py`, transformers `convert_distill_any_depth_to_hf.py`), independently of the mapping under test.
/// Only the size's four numbers (width, depth, DPT features, reassemble channels) come from the size record.
/// </summary>
internal static class OfficialKeyNames
{
    /// <summary>Depth Anything V2 `.pth` / Distill-Any-Depth small and base `model.safetensors`.</summary>
    public static Dictionary<string, long[]> DepthAnythingV2(DepthAnythingSize s) => Official(s, "pretrained", i => $"pretrained.blocks.{i}");

    /// <summary>Distill-Any-Depth large `model.safetensors` (DepthAnything in dam.py, block_chunks=1, mask token kept).</summary>
    public static Dictionary<string, long[]> DistillAnyDepthLarge(DepthAnythingSize s) => Official(s, "backbone", i => $"backbone.blocks.0.{i}");

    private static Dictionary<string, long[]> Official(DepthAnythingSize s, string encoder, Func<int, string> block)
    {
        long c = s.EmbedDim, f = s.Features;
        var oc = s.OutChannels.Select(x => (long)x).ToArray();
        var keys = new Dictionary<string, long[]>
        {
            [$"{encoder}.cls_token"] = [1, 1, c],
            [$"{encoder}.pos_embed"] = [1, 1370, c],
            [$"{encoder}.mask_token"] = [1, c],
            [$"{encoder}.patch_embed.proj.weight"] = [c, 3, 14, 14],
            [$"{encoder}.patch_embed.proj.bias"] = [c],
            [$"{encoder}.norm.weight"] = [c],
            [$"{encoder}.norm.bias"] = [c],
        };
        for (var i = 0; i < s.Depth; i++)
        {
            var b = block(i);
            keys[$"{b}.norm1.weight"] = [c];
            keys[$"{b}.norm1.bias"] = [c];
            keys[$"{b}.attn.qkv.weight"] = [3 * c, c];
            keys[$"{b}.attn.qkv.bias"] = [3 * c];
            keys[$"{b}.attn.proj.weight"] = [c, c];
            keys[$"{b}.attn.proj.bias"] = [c];
            keys[$"{b}.ls1.gamma"] = [c];
            keys[$"{b}.norm2.weight"] = [c];
            keys[$"{b}.norm2.bias"] = [c];
            keys[$"{b}.mlp.fc1.weight"] = [4 * c, c];
            keys[$"{b}.mlp.fc1.bias"] = [4 * c];
            keys[$"{b}.mlp.fc2.weight"] = [c, 4 * c];
            keys[$"{b}.mlp.fc2.bias"] = [c];
            keys[$"{b}.ls2.gamma"] = [c];
        }
        for (var i = 0; i < 4; i++)
        {
            keys[$"depth_head.projects.{i}.weight"] = [oc[i], c, 1, 1];
            keys[$"depth_head.projects.{i}.bias"] = [oc[i]];
            keys[$"depth_head.scratch.layer{i + 1}_rn.weight"] = [f, oc[i], 3, 3];
        }
        // ConvTranspose2d weights are [in, out, k, k]; in == out here.
        keys["depth_head.resize_layers.0.weight"] = [oc[0], oc[0], 4, 4];
        keys["depth_head.resize_layers.0.bias"] = [oc[0]];
        keys["depth_head.resize_layers.1.weight"] = [oc[1], oc[1], 2, 2];
        keys["depth_head.resize_layers.1.bias"] = [oc[1]];
        keys["depth_head.resize_layers.3.weight"] = [oc[3], oc[3], 3, 3];
        keys["depth_head.resize_layers.3.bias"] = [oc[3]];
        for (var r = 1; r <= 4; r++)
        {
            var p = $"depth_head.scratch.refinenet{r}";
            keys[$"{p}.out_conv.weight"] = [f, f, 1, 1];
            keys[$"{p}.out_conv.bias"] = [f];
            foreach (var unit in new[] { "resConfUnit1", "resConfUnit2" })
                foreach (var conv in new[] { "conv1", "conv2" })
                {
                    keys[$"{p}.{unit}.{conv}.weight"] = [f, f, 3, 3];
                    keys[$"{p}.{unit}.{conv}.bias"] = [f];
                }
        }
        keys["depth_head.scratch.output_conv1.weight"] = [f / 2, f, 3, 3];
        keys["depth_head.scratch.output_conv1.bias"] = [f / 2];
        keys["depth_head.scratch.output_conv2.0.weight"] = [32, f / 2, 3, 3];
        keys["depth_head.scratch.output_conv2.0.bias"] = [32];
        keys["depth_head.scratch.output_conv2.2.weight"] = [1, 32, 1, 1];
        keys["depth_head.scratch.output_conv2.2.bias"] = [1];
        return keys;
    }

    /// <summary>transformers `DepthAnythingForDepthEstimation` (Depth-Anything-V2-*-hf, Distill-Any-Depth-*-hf).</summary>
    public static Dictionary<string, long[]> Transformers(DepthAnythingSize s)
    {
        long c = s.EmbedDim, f = s.Features;
        var oc = s.OutChannels.Select(x => (long)x).ToArray();
        var keys = new Dictionary<string, long[]>
        {
            ["backbone.embeddings.cls_token"] = [1, 1, c],
            ["backbone.embeddings.mask_token"] = [1, c],
            ["backbone.embeddings.position_embeddings"] = [1, 1370, c],
            ["backbone.embeddings.patch_embeddings.projection.weight"] = [c, 3, 14, 14],
            ["backbone.embeddings.patch_embeddings.projection.bias"] = [c],
            ["backbone.layernorm.weight"] = [c],
            ["backbone.layernorm.bias"] = [c],
        };
        for (var i = 0; i < s.Depth; i++)
        {
            var l = $"backbone.encoder.layer.{i}";
            foreach (var n in new[] { "norm1", "norm2" })
            {
                keys[$"{l}.{n}.weight"] = [c];
                keys[$"{l}.{n}.bias"] = [c];
            }
            foreach (var p in new[] { "query", "key", "value" })
            {
                keys[$"{l}.attention.attention.{p}.weight"] = [c, c];
                keys[$"{l}.attention.attention.{p}.bias"] = [c];
            }
            keys[$"{l}.attention.output.dense.weight"] = [c, c];
            keys[$"{l}.attention.output.dense.bias"] = [c];
            keys[$"{l}.layer_scale1.lambda1"] = [c];
            keys[$"{l}.layer_scale2.lambda1"] = [c];
            keys[$"{l}.mlp.fc1.weight"] = [4 * c, c];
            keys[$"{l}.mlp.fc1.bias"] = [4 * c];
            keys[$"{l}.mlp.fc2.weight"] = [c, 4 * c];
            keys[$"{l}.mlp.fc2.bias"] = [c];
        }
        for (var i = 0; i < 4; i++)
        {
            var r = $"neck.reassemble_stage.layers.{i}";
            keys[$"{r}.projection.weight"] = [oc[i], c, 1, 1];
            keys[$"{r}.projection.bias"] = [oc[i]];
            keys[$"neck.convs.{i}.weight"] = [f, oc[i], 3, 3];
            var u = $"neck.fusion_stage.layers.{i}";
            keys[$"{u}.projection.weight"] = [f, f, 1, 1];
            keys[$"{u}.projection.bias"] = [f];
            foreach (var unit in new[] { "residual_layer1", "residual_layer2" })
                foreach (var conv in new[] { "convolution1", "convolution2" })
                {
                    keys[$"{u}.{unit}.{conv}.weight"] = [f, f, 3, 3];
                    keys[$"{u}.{unit}.{conv}.bias"] = [f];
                }
        }
        keys["neck.reassemble_stage.layers.0.resize.weight"] = [oc[0], oc[0], 4, 4];
        keys["neck.reassemble_stage.layers.0.resize.bias"] = [oc[0]];
        keys["neck.reassemble_stage.layers.1.resize.weight"] = [oc[1], oc[1], 2, 2];
        keys["neck.reassemble_stage.layers.1.resize.bias"] = [oc[1]];
        keys["neck.reassemble_stage.layers.3.resize.weight"] = [oc[3], oc[3], 3, 3];
        keys["neck.reassemble_stage.layers.3.resize.bias"] = [oc[3]];
        keys["head.conv1.weight"] = [f / 2, f, 3, 3];
        keys["head.conv1.bias"] = [f / 2];
        keys["head.conv2.weight"] = [32, f / 2, 3, 3];
        keys["head.conv2.bias"] = [32];
        keys["head.conv3.weight"] = [1, 32, 1, 1];
        keys["head.conv3.bias"] = [1];
        return keys;
    }
}
