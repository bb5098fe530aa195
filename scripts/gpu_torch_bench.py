#!/usr/bin/env python3
"""PyTorch eager baseline for the cuda backend's timings (scripts/gpu-check).

Times Hugging Face transformers' SiglipVisionModel (attn_implementation
"eager", random weights, float32) on the GPU: the same configurations as
compute/cuda's TestTiming. FP32 runs with TF32 disabled for matmuls and
cuDNN (the patch-embedding convolution); the TF32 rows enable both. Each
configuration: 3 warm-up passes, then the median of 20 timed passes, each
timed by the wall clock around forward + torch.cuda.synchronize() (what
the Go side measures) with the CUDA-event time beside it.

Prints one line per measurement:
  TIMING torch <fp32|tf32> <config> median <ms> ms (events <ms> ms, min <ms>) ...
"""
import statistics
import sys
import time

import torch
import transformers
from transformers import SiglipVisionConfig, SiglipVisionModel

# name, hidden, layers, heads, mlp, patch, image, batch
CONFIGS = [
    ("base-224", 768, 12, 12, 3072, 16, 224, 1),
    ("base-224x8", 768, 12, 12, 3072, 16, 224, 8),
    ("base-512", 768, 12, 12, 3072, 16, 512, 1),
    ("so400m-512", 1152, 27, 16, 4304, 16, 512, 1),
]
WARMUP, RUNS = 3, 20


def build(hidden, layers, heads, mlp, patch, image):
    cfg = SiglipVisionConfig(
        hidden_size=hidden,
        intermediate_size=mlp,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        patch_size=patch,
        image_size=image,
        hidden_act="gelu_pytorch_tanh",
    )
    with torch.device("cuda"):
        try:
            model = SiglipVisionModel._from_config(cfg, attn_implementation="eager")
        except TypeError:  # older keyword name
            cfg._attn_implementation = "eager"
            model = SiglipVisionModel(cfg)
    model = model.to(device="cuda", dtype=torch.float32).eval()
    impl = getattr(model.config, "_attn_implementation", "?")
    if impl != "eager":
        raise SystemExit(f"attention implementation is {impl!r}, not eager")
    return model


def time_model(model, x):
    with torch.inference_mode():
        for _ in range(WARMUP):
            model(pixel_values=x)
        torch.cuda.synchronize()
        wall, events = [], []
        for _ in range(RUNS):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            t0 = time.perf_counter()
            start.record()
            out = model(pixel_values=x)
            end.record()
            torch.cuda.synchronize()
            wall.append((time.perf_counter() - t0) * 1000)
            events.append(start.elapsed_time(end))
        if not torch.isfinite(out.pooler_output).all():
            raise SystemExit("non-finite pooled output")
    return statistics.median(wall), statistics.median(events), min(wall)


def main():
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch")
    dev = torch.cuda.get_device_name()
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), transformers {transformers.__version__}, {dev}", flush=True)
    torch.manual_seed(0)
    for mode in ("fp32", "tf32"):
        tf32 = mode == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        for name, hidden, layers, heads, mlp, patch, image, batch in CONFIGS:
            model = build(hidden, layers, heads, mlp, patch, image)
            x = torch.randn(batch, 3, image, image, device="cuda")
            med, ev, lo = time_model(model, x)
            print(f"TIMING torch {mode} {name} median {med:.2f} ms (events {ev:.2f} ms, min {lo:.2f}) eager on {dev}", flush=True)
            del model, x
            torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
