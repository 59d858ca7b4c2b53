#!/usr/bin/python3
"""Independent PyTorch reference of Depth Anything V2 / Distill-Any-Depth, written for DepthNode's tests.

Written from the published architecture (DINOv2 ViT/14 + DPT head) with plain torch ops over a state dict with
the official key names (`pretrained.*`, `depth_head.*`). It shares no code with the C# network it checks and
follows the official numerics: bicubic position-embedding resampling with scale_factor (n + 0.1) / 37, exact-erf
GELU, LayerNorm eps 1e-6, bilinear align_corners=True in the head, final ReLU. Two switches reproduce the
plausible mistakes (tanh GELU, size-based position-embedding resampling) so the tests can show they are caught.

Run with Debian's python3-torch (/usr/bin/python3). Tensors are exchanged as raw little-endian float32 files.

  depth_anything_reference.py forward --weights W.safetensors --size dad-small --input x.f32 --shape 1,3,H,W
                                      --output depth.f32 [--tokens tokens.f32] [--gelu tanh] [--pos-embed size]
  depth_anything_reference.py to-pth --weights W.safetensors --output W.pth [--dtype F16]
  depth_anything_reference.py resave --weights W.safetensors --output V.safetensors [--dtype F16|BF16]
    (as the safetensors library writes files: __metadata__ entry, header padded to 8 bytes)
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

SIZES = {
    "dad-small": dict(dim=384, depth=12, heads=6, taps=[2, 5, 8, 11], features=64, out=[48, 96, 192, 384]),
    "dad-base": dict(dim=768, depth=12, heads=12, taps=[2, 5, 8, 11], features=128, out=[96, 192, 384, 768]),
    "dad-large": dict(dim=1024, depth=24, heads=16, taps=[4, 11, 17, 23], features=256, out=[256, 512, 1024, 1024]),
}


def read_safetensors(path):
    """Our own reader of the format (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = data[start:end]
        dtype = entry["dtype"]
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4").copy()
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: {name}: dtype {dtype} not handled by the reference")
        tensors[name] = torch.from_numpy(arr.reshape(entry["shape"]))
    return tensors


def write_safetensors(path, tensors, dtype="F32"):
    """Header padded to 8 bytes and __metadata__ present, as the safetensors library and transformers write it."""
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        a = t.detach().float().numpy()
        if dtype == "F32":
            raw = a.astype("<f4").tobytes()
        elif dtype == "F16":
            raw = a.astype("<f2").tobytes()
        elif dtype == "BF16":
            bits = a.astype("<f4").view(np.uint32).astype(np.uint64)
            bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest even, as torch converts
            raw = bits.astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def layer_norm(x, sd, prefix):
    return F.layer_norm(x, (x.shape[-1],), sd[prefix + ".weight"], sd[prefix + ".bias"], eps=1e-6)


def position_embedding(pos, ph, pw, by_size):
    n = pos.shape[1] - 1
    side = int(math.sqrt(n))
    if ph == side and pw == side:
        return pos
    dim = pos.shape[-1]
    grid = pos[:, 1:].reshape(1, side, side, dim).permute(0, 3, 1, 2)
    if by_size:
        grid = F.interpolate(grid, size=(ph, pw), mode="bicubic", align_corners=False)
    else:
        grid = F.interpolate(grid, scale_factor=((ph + 0.1) / math.sqrt(n), (pw + 0.1) / math.sqrt(n)),
                             mode="bicubic", align_corners=False)
    assert grid.shape[-2:] == (ph, pw), grid.shape
    return torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, ph * pw, dim)], dim=1)


def block(x, sd, p, heads, gelu):
    b, n, c = x.shape
    h = layer_norm(x, sd, p + ".norm1")
    qkv = F.linear(h, sd[p + ".attn.qkv.weight"], sd[p + ".attn.qkv.bias"]).reshape(b, n, 3, heads, c // heads)
    qkv = qkv.permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0] * (c // heads) ** -0.5, qkv[1], qkv[2]
    a = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
    h = (a @ v).transpose(1, 2).reshape(b, n, c)
    h = F.linear(h, sd[p + ".attn.proj.weight"], sd[p + ".attn.proj.bias"])
    x = x + h * sd[p + ".ls1.gamma"]
    h = layer_norm(x, sd, p + ".norm2")
    h = F.linear(h, sd[p + ".mlp.fc1.weight"], sd[p + ".mlp.fc1.bias"])
    h = F.gelu(h, approximate=gelu)
    h = F.linear(h, sd[p + ".mlp.fc2.weight"], sd[p + ".mlp.fc2.bias"])
    return x + h * sd[p + ".ls2.gamma"]


def conv(x, sd, p, stride=1, padding=0, bias=True):
    return F.conv2d(x, sd[p + ".weight"], sd[p + ".bias"] if bias else None, stride=stride, padding=padding)


def residual_unit(x, sd, p):
    h = conv(F.relu(x), sd, p + ".conv1", padding=1)
    h = conv(F.relu(h), sd, p + ".conv2", padding=1)
    return h + x


def fusion(sd, p, path, lateral, size):
    if lateral is not None:
        path = path + residual_unit(lateral, sd, p + ".resConfUnit1")
    path = residual_unit(path, sd, p + ".resConfUnit2")
    path = F.interpolate(path, size=size, mode="bilinear", align_corners=True)
    return conv(path, sd, p + ".out_conv")


def forward(sd, cfg, x, gelu="none", pos_by_size=False):
    b, _, hgt, wid = x.shape
    ph, pw = hgt // 14, wid // 14
    t = F.conv2d(x, sd["pretrained.patch_embed.proj.weight"], sd["pretrained.patch_embed.proj.bias"], stride=14)
    t = t.flatten(2).transpose(1, 2)
    t = torch.cat([sd["pretrained.cls_token"].expand(b, -1, -1), t], dim=1)
    t = t + position_embedding(sd["pretrained.pos_embed"], ph, pw, pos_by_size)
    taps = []
    for i in range(cfg["depth"]):
        t = block(t, sd, f"pretrained.blocks.{i}", cfg["heads"], gelu)
        if i in cfg["taps"]:
            taps.append(layer_norm(t, sd, "pretrained.norm")[:, 1:])

    levels = []
    for i, tok in enumerate(taps):
        g = tok.permute(0, 2, 1).reshape(b, tok.shape[-1], ph, pw)
        g = conv(g, sd, f"depth_head.projects.{i}")
        r = f"depth_head.resize_layers.{i}"
        if i == 0:
            g = F.conv_transpose2d(g, sd[r + ".weight"], sd[r + ".bias"], stride=4)
        elif i == 1:
            g = F.conv_transpose2d(g, sd[r + ".weight"], sd[r + ".bias"], stride=2)
        elif i == 3:
            g = conv(g, sd, r, stride=2, padding=1)
        levels.append(conv(g, sd, f"depth_head.scratch.layer{i + 1}_rn", padding=1, bias=False))

    s = "depth_head.scratch"
    l1, l2, l3, l4 = levels
    p4 = fusion(sd, s + ".refinenet4", l4, None, l3.shape[2:])
    p3 = fusion(sd, s + ".refinenet3", p4, l3, l2.shape[2:])
    p2 = fusion(sd, s + ".refinenet2", p3, l2, l1.shape[2:])
    p1 = fusion(sd, s + ".refinenet1", p2, l1, (2 * l1.shape[2], 2 * l1.shape[3]))
    out = conv(p1, sd, s + ".output_conv1", padding=1)
    out = F.interpolate(out, size=(ph * 14, pw * 14), mode="bilinear", align_corners=True)
    out = F.relu(conv(out, sd, s + ".output_conv2.0", padding=1))
    out = F.relu(conv(out, sd, s + ".output_conv2.2"))
    return out, taps[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["forward", "to-pth", "resave"])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--size", default="dad-small", choices=SIZES)
    ap.add_argument("--input")
    ap.add_argument("--shape")
    ap.add_argument("--output", required=True)
    ap.add_argument("--tokens")
    ap.add_argument("--gelu", default="none", choices=["none", "tanh"])
    ap.add_argument("--pos-embed", default="scale_factor", choices=["scale_factor", "size"])
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    a = ap.parse_args()
    torch.set_num_threads(2)
    sd = read_safetensors(a.weights)
    if a.command == "to-pth":
        dtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[a.dtype]
        torch.save({k: v.to(dtype) for k, v in sd.items()}, a.output)
        return 0
    if a.command == "resave":
        write_safetensors(a.output, sd, a.dtype)
        return 0
    shape = [int(s) for s in a.shape.split(",")]
    x = torch.from_numpy(np.fromfile(a.input, dtype="<f4").reshape(shape))
    with torch.no_grad():
        depth, tokens = forward(sd, SIZES[a.size], x, a.gelu, a.pos_embed == "size")
    depth.numpy().astype("<f4").tofile(a.output)
    if a.tokens:
        tokens.contiguous().numpy().astype("<f4").tofile(a.tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
