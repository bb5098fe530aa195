#!/usr/bin/python3
"""Generate normalize_numpy.json: HF's rescale + normalize of every byte value.

Run with Debian's /usr/bin/python3 (numpy 1.24.2) from this folder. For each
(mean, std) set, "bits" lists float32 bit patterns of
    ((np.float64(v) * (1/255)).astype(float32) - mean32) / std32
for v = 0..255 and each channel, exactly the arithmetic of transformers'
image_transforms.rescale (dtype=float32) followed by normalize.
"""
import json

import numpy as np

SETS = {
    "siglip": ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    "clip": ([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]),
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}

out = {"rescale": 1 / 255, "sets": []}
v = np.arange(256, dtype=np.uint8)
img = np.stack([v, v, v], -1)[None]  # (1, 256, 3) HWC uint8
for name, (mean, std) in SETS.items():
    x = (img.astype(np.float64) * (1 / 255)).astype(np.float32)
    m = np.array(mean, dtype=np.float32)
    s = np.array(std, dtype=np.float32)
    y = (x - m) / s
    assert y.dtype == np.float32
    out["sets"].append({"name": name, "mean": mean, "std": std,
                        "bits": y[0].view(np.uint32).tolist()})
with open("normalize_numpy.json", "w") as f:
    json.dump(out, f)
