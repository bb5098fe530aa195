#!/usr/bin/python3
"""Generate NaFlex reference data with Debian's /usr/bin/python3 (torch 1.13.1).

Run from this folder:  /usr/bin/python3 gen_naflex.py

target_sizes.json: [height, width, patch, max_patches, target_h, target_w]
    rows from get_image_size_for_max_num_patches below, a transcription of
    transformers' siglip2/image_processing_siglip2.py (commit 08f36771,
    v4.51/4.52.dev0; transformers itself is not installed here).

positions.safetensors: for each table side S in (8, 16, 27):
    "table.S"          float32 (S*S, D) random table
    "out.S.HxW"        float32 (H*W, D): the table viewed (S, S, D),
                       permuted to (1, D, S, S) exactly as
                       Siglip2VisionEmbeddings.resize_positional_embeddings does,
                       F.interpolate(size=(H, W), mode="bilinear",
                       align_corners=False, antialias=True), reshaped (D, H*W)
                       and transposed.
"""
import json
import math
import random
import struct

import numpy as np
import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__


def get_image_size_for_max_num_patches(image_height, image_width, patch_size, max_num_patches, eps=1e-5):
    def get_scaled_image_size(scale, size, patch_size):
        scaled_size = size * scale
        scaled_size = math.ceil(scaled_size / patch_size) * patch_size
        scaled_size = max(patch_size, scaled_size)
        return int(scaled_size)

    scale_min, scale_max = eps / 10, 100.0
    while (scale_max - scale_min) >= eps:
        scale = (scale_min + scale_max) / 2
        target_height = get_scaled_image_size(scale, image_height, patch_size)
        target_width = get_scaled_image_size(scale, image_width, patch_size)
        num_patches = (target_height / patch_size) * (target_width / patch_size)
        if num_patches <= max_num_patches:
            scale_min = scale
        else:
            scale_max = scale
    scale = scale_min
    target_height = get_scaled_image_size(scale, image_height, patch_size)
    target_width = get_scaled_image_size(scale, image_width, patch_size)
    return target_height, target_width


def target_sizes():
    rng = random.Random(1234)
    rows = []
    fixed = [(61, 97), (120, 40), (64, 64), (37, 53), (1, 1), (1, 5000), (5000, 1), (3000, 4000),
             (4000, 3000), (224, 224), (384, 384), (512, 512), (1080, 1920), (7, 200), (200, 7),
             (16, 16), (15, 17), (100000, 3), (2, 100000), (480, 640), (1, 16), (16, 1)]
    for h, w in fixed:
        for p in (8, 14, 16):
            for mnp in (1, 2, 16, 64, 128, 196, 256, 576, 784, 1024, 4096):
                rows.append((h, w, p, mnp))
    for _ in range(1500):
        h = rng.choice([rng.randint(1, 64), rng.randint(1, 800), rng.randint(1, 6000)])
        w = rng.choice([rng.randint(1, 64), rng.randint(1, 800), rng.randint(1, 6000)])
        p = rng.choice([8, 14, 16, 32])
        mnp = rng.choice([64, 128, 256, 576, 784, 1024, rng.randint(1, 1100)])
        rows.append((h, w, p, mnp))
    out = []
    for h, w, p, mnp in rows:
        th, tw = get_image_size_for_max_num_patches(h, w, p, mnp)
        out.append([h, w, p, mnp, th, tw])
    # The README's reference sizes must come out of the transcription.
    ref = {(61, 97, 16): (48, 80), (120, 40, 16): (96, 32), (64, 64, 16): (64, 64), (37, 53, 16): (48, 80)}
    for (h, w, mnp), want in ref.items():
        assert get_image_size_for_max_num_patches(h, w, 16, mnp) == want, (h, w, mnp)
    with open("target_sizes.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
    return len(out)


def resize_like_hf(table, side, gh, gw):
    dim = table.shape[-1]
    pe = table.reshape(side, side, -1).permute(2, 0, 1).unsqueeze(0)
    r = F.interpolate(pe, size=(gh, gw), mode="bilinear", align_corners=False, antialias=True)
    return r.reshape(dim, gh * gw).transpose(0, 1).contiguous()


def positions():
    torch.manual_seed(0)
    rng = random.Random(99)
    tensors = {}
    for side, dim in ((8, 5), (16, 3), (27, 2)):
        table = torch.randn(side * side, dim, dtype=torch.float32)
        tensors[f"table.{side}"] = table
        grids = {(1, 1), (1, side), (side, 1), (1, 37), (37, 1), (side, side), (side + 1, side - 1),
                 (2 * side, max(1, side // 2)), (side - 1, side + 1), (3, 5), (6, 2), (12, 4), (7, 9),
                 (2, 64), (side // 2, side // 3 + 1)}
        if side == 8:
            grids.add((64, 48))
        while len(grids) < 36:
            grids.add((rng.randint(1, 28), rng.randint(1, 28)))
        for gh, gw in sorted(grids):
            tensors[f"out.{side}.{gh}x{gw}"] = resize_like_hf(table, side, gh, gw)
    header, blob = {}, bytearray()
    for name in sorted(tensors):
        a = tensors[name].numpy().astype("<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [len(blob), len(blob) + a.nbytes]}
        blob += a.tobytes()
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open("positions.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + bytes(blob))
    return len(tensors)


if __name__ == "__main__":
    print(target_sizes(), "target sizes")
    print(positions(), "position tensors")
