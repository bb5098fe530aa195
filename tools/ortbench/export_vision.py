#!/usr/bin/env python3
"""Export SigLIP 2 base vision towers (random weights, fixed resolution) to
ONNX with torch, for timing ONNX Runtime on the same machine as
`siglip2-tui bench`.

    /usr/bin/python3 tools/ortbench/export_vision.py OUTDIR [224 384 512]
    NODE_PATH=testdata/npm/ort/node_modules node tools/ortbench/bench.cjs OUTDIR

Uses tools/toymodel/model.py (this project's PyTorch SigLIP with Hugging
Face's names, checked against the transformers goldens) at the base size.
Its weights are torch's own random ones. Where torch is not installed,
`go run ./tools/ortbench/makeonnx` writes the same graph with the weights
`siglip2-tui bench` uses, and `bench --vs-ort` runs both in turns.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "toymodel"))
import model as toy  # noqa: E402


class Tower(torch.nn.Module):
    def __init__(self, res):
        super().__init__()
        cfg = toy.Cfg(toy.VISION_DEFAULTS, image_size=res)
        self.vision = toy.VisionTransformer(cfg, "fixed")

    def forward(self, pixel_values):
        out = self.vision(pixel_values)
        return out["pooler_output"], out["last_hidden_state"]


def main():
    outdir = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [224, 384, 512]
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    for res in sizes:
        m = Tower(res).eval()
        x = torch.randn(1, 3, res, res)
        path = os.path.join(outdir, f"siglip2-base-{res}.onnx")
        torch.onnx.export(m, (x,), path, input_names=["pixel_values"],
                          output_names=["pooler_output", "last_hidden_state"], opset_version=17)
        print("wrote", path, os.path.getsize(path) // (1 << 20), "MB")


if __name__ == "__main__":
    main()
