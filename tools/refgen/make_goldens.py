#!/usr/bin/env python3
"""Make golden outputs with Hugging Face transformers' own SigLIP code for
tiny random checkpoints whose shapes differ from testdata/reference: other
hidden sizes and head counts, patch sizes 8/14, other position grids and
image sizes, bicubic resampling, exact GELU, large LayerNorm epsilons (0.5,
0.25: the reference fixtures' 1e-6 cannot tell a wrong epsilon), greyscale /
RGBA / palette and extreme-aspect images.

Run it where transformers, torch, Pillow and numpy are installed (the GPU
machine has them; nothing here uses a GPU):

    python3 tools/refgen/make_goldens.py OUTDIR

It writes OUTDIR/<case>/{config.json, preprocessor_config.json,
model.safetensors, goldens.safetensors} and OUTDIR/images/*.png. The golden
tensor names follow testdata/reference/README.md. Preprocessing follows
transformers' slow (PIL) image processors; when the installed transformers
no longer ships them, the same steps are done here with PIL and numpy and
the metadata says so.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image

import transformers
from transformers import SiglipConfig, SiglipModel

try:
    from transformers import Siglip2Config, Siglip2Model
except ImportError:  # pragma: no cover
    Siglip2Config = Siglip2Model = None

torch.set_num_threads(4)

CASES = [
    dict(name="fixed_p14_h96", kind="fixed", patch=14, image=56, hidden=96, heads=6, layers=2, mlp=200,
         act="gelu_pytorch_tanh", eps=1e-6, resample=3, text_hidden=96, text_heads=3, text_layers=2,
         text_mlp=160, vocab=500, max_pos=16),
    dict(name="fixed_p8_h48_erf", kind="fixed", patch=8, image=40, hidden=48, heads=3, layers=3, mlp=96,
         act="gelu", eps=1e-5, resample=2, text_hidden=40, text_heads=5, text_layers=1,
         text_mlp=64, vocab=300, max_pos=12, projection=48),
    dict(name="naflex_p8_g5", kind="naflex", patch=8, num_patches=25, hidden=80, heads=5, layers=2, mlp=144,
         act="gelu_pytorch_tanh", eps=1e-6, resample=3, max_num_patches=37, text_hidden=80, text_heads=4,
         text_layers=2, text_mlp=96, vocab=400, max_pos=16),
    dict(name="naflex_p14_g4", kind="naflex", patch=14, num_patches=16, hidden=64, heads=2, layers=2, mlp=128,
         act="gelu_pytorch_tanh", eps=1e-6, resample=2, max_num_patches=100, text_hidden=64, text_heads=4,
         text_layers=2, text_mlp=128, vocab=300, max_pos=20),
    # A LayerNorm epsilon large enough to matter: with 1e-6 everywhere else,
    # an implementation that ignores layer_norm_eps (in the pooling head,
    # say) would still match every other case.
    dict(name="fixed_p8_h32_eps05", kind="fixed", patch=8, image=32, hidden=32, heads=4, layers=2, mlp=48,
         act="gelu_pytorch_tanh", eps=0.5, resample=2, text_hidden=32, text_heads=4, text_layers=1,
         text_mlp=48, vocab=200, max_pos=8),
    dict(name="naflex_p8_g4_eps025", kind="naflex", patch=8, num_patches=16, hidden=48, heads=3, layers=2, mlp=64,
         act="gelu_pytorch_tanh", eps=0.25, resample=2, max_num_patches=20, text_hidden=48, text_heads=3,
         text_layers=1, text_mlp=64, vocab=200, max_pos=8),
]


def make_images(outdir):
    """Procedural test images of several PIL modes and extreme aspect ratios."""
    rng = np.random.default_rng(7)
    os.makedirs(os.path.join(outdir, "images"), exist_ok=True)

    def pattern(h, w, c):
        y, x = np.mgrid[0:h, 0:w]
        chans = []
        for k in range(c):
            v = 127 + 90 * np.sin(x / (3.0 + 2 * k) + y / (5.0 + k)) + rng.normal(0, 25, (h, w))
            chans.append(np.clip(v, 0, 255))
        return np.stack(chans, -1).astype(np.uint8)

    imgs = []
    def add(name, im):
        path = os.path.join(outdir, "images", name)
        im.save(path)
        imgs.append((name, im))

    add("a_7x200_rgb.png", Image.fromarray(pattern(200, 7, 3), "RGB"))  # 7 wide, 200 tall
    add("b_211x9_rgb.png", Image.fromarray(pattern(9, 211, 3), "RGB"))
    add("c_33x17_l.png", Image.fromarray(pattern(17, 33, 1)[..., 0], "L"))
    rgba = pattern(50, 20, 4)
    rgba[..., 3] = np.where(rgba[..., 3] > 128, 255, rgba[..., 3] // 3)
    add("d_20x50_rgba.png", Image.fromarray(rgba, "RGBA"))
    add("e_31x31_p.png", Image.fromarray(pattern(31, 31, 3), "RGB").convert("P", palette=Image.ADAPTIVE, colors=17))
    add("f_1x1_rgb.png", Image.fromarray(pattern(1, 1, 3), "RGB"))
    add("g_300x240_la.png", Image.fromarray(pattern(240, 300, 2), "LA"))
    return imgs


def init_weights(model, seed):
    """Random but non-trivial weights, like testdata/reference's."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("logit_scale"):
                p.fill_(1.3)
            elif name.endswith("logit_bias"):
                p.fill_(-2.5)
            elif ("norm" in name) and name.endswith("weight"):
                p.copy_(1 + 0.15 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "embedding" in name and "patch" not in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            elif name.endswith("probe"):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                s = 1.0 / math.sqrt(fan_in)
                if "q_proj" in name or "k_proj" in name or "in_proj" in name:
                    s *= 1.6
                p.copy_(s * torch.randn(p.shape, generator=g))


# --- preprocessing as transformers' slow image processors do it ----------

def to_rgb_u8(im):
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def rescale_normalize(arr_u8, rescale, mean, std):
    x = (arr_u8.astype(np.float64) * rescale).astype(np.float32)
    mean = np.array(mean, dtype=np.float32)
    std = np.array(std, dtype=np.float32)
    return (x - mean) / std


def naflex_size(h, w, patch, max_patches, eps=1e-5):
    def scaled(scale, size):
        s = size * scale
        s = math.ceil(s / patch) * patch
        return max(patch, int(s))
    lo, hi = eps / 10, 100.0
    while (hi - lo) >= eps:
        mid = (lo + hi) / 2
        th, tw = scaled(mid, h), scaled(mid, w)
        if (th / patch) * (tw / patch) <= max_patches:
            lo = mid
        else:
            hi = mid
    return scaled(lo, h), scaled(lo, w)


def preprocess(case, images):
    rescale, mean, std = 1 / 255, [0.5] * 3, [0.5] * 3
    out = {}
    if case["kind"] == "fixed":
        pix = []
        for i, (_, im) in enumerate(images):
            r = Image.fromarray(to_rgb_u8(im), "RGB").resize((case["image"], case["image"]), resample=case["resample"])
            u8 = np.asarray(r, dtype=np.uint8)
            out[f"inputs.resized_u8.{i}"] = torch.from_numpy(u8.copy())
            pix.append(rescale_normalize(u8, rescale, mean, std).transpose(2, 0, 1))
        out["inputs.pixel_values"] = torch.from_numpy(np.stack(pix))
        return out
    p, mnp = case["patch"], case["max_num_patches"]
    pix, masks, shapes = [], [], []
    for i, (_, im) in enumerate(images):
        rgb = to_rgb_u8(im)
        th, tw = naflex_size(rgb.shape[0], rgb.shape[1], p, mnp)
        r = Image.fromarray(rgb, "RGB").resize((tw, th), resample=case["resample"])
        u8 = np.asarray(r, dtype=np.uint8)
        out[f"inputs.resized_u8.{i}"] = torch.from_numpy(u8.copy())
        x = rescale_normalize(u8, rescale, mean, std)
        gh, gw = th // p, tw // p
        patches = x.reshape(gh, p, gw, p, 3).transpose(0, 2, 1, 3, 4).reshape(gh * gw, p * p * 3)
        padded = np.zeros((mnp, p * p * 3), dtype=np.float32)
        padded[: gh * gw] = patches
        mask = np.zeros((mnp,), dtype=np.int32)
        mask[: gh * gw] = 1
        pix.append(padded)
        masks.append(mask)
        shapes.append((gh, gw))
    out["inputs.pixel_values"] = torch.from_numpy(np.stack(pix))
    out["inputs.pixel_attention_mask"] = torch.from_numpy(np.stack(masks))
    out["inputs.spatial_shapes"] = torch.tensor(shapes, dtype=torch.int64)
    return out


def slow_processor_check(case, images, pre):
    """Compare with transformers' own slow processor where it still exists."""
    try:
        if case["kind"] == "fixed":
            from transformers import SiglipImageProcessor as P
            proc = P(size={"height": case["image"], "width": case["image"]}, resample=case["resample"], do_convert_rgb=True)
        else:
            from transformers import Siglip2ImageProcessor as P
            proc = P(patch_size=case["patch"], max_num_patches=case["max_num_patches"], resample=case["resample"], do_convert_rgb=True)
        got = proc([im for _, im in images], return_tensors="pt")
    except Exception as e:  # noqa: BLE001
        return f"slow processor unavailable or failed: {type(e).__name__}: {e}"
    same = torch.equal(got["pixel_values"].float(), pre["inputs.pixel_values"])
    return f"slow processor {type(proc).__name__} pixel_values identical: {same}"


def build_model(case):
    text = dict(vocab_size=case["vocab"], hidden_size=case["text_hidden"], intermediate_size=case["text_mlp"],
                num_hidden_layers=case["text_layers"], num_attention_heads=case["text_heads"],
                max_position_embeddings=case["max_pos"], hidden_act=case["act"], layer_norm_eps=case["eps"],
                projection_size=case.get("projection", case["hidden"]))
    vision = dict(hidden_size=case["hidden"], intermediate_size=case["mlp"], num_hidden_layers=case["layers"],
                  num_attention_heads=case["heads"], patch_size=case["patch"], hidden_act=case["act"],
                  layer_norm_eps=case["eps"])
    if case["kind"] == "fixed":
        vision["image_size"] = case["image"]
        cfg = SiglipConfig(text_config=text, vision_config=vision)
        cls = SiglipModel
    else:
        vision["num_patches"] = case["num_patches"]
        cfg = Siglip2Config(text_config=text, vision_config=vision)
        cls = Siglip2Model
    cfg._attn_implementation = "eager"
    for sub in (cfg.text_config, cfg.vision_config):
        sub._attn_implementation = "eager"
    model = cls(cfg).eval()
    return model


def preprocessor_json(case):
    d = {"do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
         "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": case["resample"],
         "rescale_factor": 1 / 255}
    if case["kind"] == "fixed":
        d["image_processor_type"] = "SiglipImageProcessor"
        d["size"] = {"height": case["image"], "width": case["image"]}
    else:
        d["image_processor_type"] = "Siglip2ImageProcessor"
        d["max_num_patches"] = case["max_num_patches"]
        d["patch_size"] = case["patch"]
    return d


def text_ids(case, seed):
    g = torch.Generator().manual_seed(seed)
    L = case["max_pos"]
    rows = []
    for n in (1, 3, L // 2, L):  # tokens including <eos>=1; <pad>=0 after
        ids = torch.zeros(L, dtype=torch.int64)
        ids[: n - 1] = torch.randint(4, case["vocab"], (n - 1,), generator=g)
        ids[n - 1] = 1
        rows.append(ids)
    return torch.stack(rows)


def run_case(case, images, outdir, seed):
    from safetensors.torch import save_file

    d = os.path.join(outdir, case["name"])
    os.makedirs(d, exist_ok=True)
    model = build_model(case)
    init_weights(model, seed)
    model.save_pretrained(d, safe_serialization=True)
    with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_json(case), f, indent=2)

    pre = preprocess(case, images)
    note = slow_processor_check(case, images, pre)
    ids = text_ids(case, seed + 1)
    kwargs = dict(input_ids=ids, pixel_values=pre["inputs.pixel_values"], output_attentions=True,
                  output_hidden_states=True, return_dict=True)
    if case["kind"] == "naflex":
        kwargs["pixel_attention_mask"] = pre["inputs.pixel_attention_mask"]
        kwargs["spatial_shapes"] = pre["inputs.spatial_shapes"]
    with torch.no_grad():
        out = model(**kwargs)
    g = dict(pre)
    g["inputs.input_ids"] = ids
    vo, to = out.vision_model_output, out.text_model_output
    for i, h in enumerate(vo.hidden_states):
        g[f"vision.hidden_states.{i}"] = h
    for i, a in enumerate(vo.attentions):
        g[f"vision.attentions.{i}"] = a
    g["vision.last_hidden_state"] = vo.last_hidden_state
    g["vision.pooler_output"] = vo.pooler_output
    for i, h in enumerate(to.hidden_states):
        g[f"text.hidden_states.{i}"] = h
    for i, a in enumerate(to.attentions):
        g[f"text.attentions.{i}"] = a
    g["text.last_hidden_state"] = to.last_hidden_state
    g["text.pooler_output"] = to.pooler_output
    g["image_embeds"] = out.image_embeds
    g["text_embeds"] = out.text_embeds
    g["logits_per_image"] = out.logits_per_image
    g["logits_per_text"] = out.logits_per_text
    g["probs_per_image"] = torch.sigmoid(out.logits_per_image)
    if case["kind"] == "naflex":
        emb = model.vision_model.embeddings
        side = emb.position_embedding_size
        table = emb.position_embedding.weight.reshape(side, side, -1)
        for i, (gh, gw) in enumerate(pre["inputs.spatial_shapes"].tolist()):
            r = emb.resize_positional_embeddings(table, torch.tensor([[gh, gw]]), max_length=gh * gw)
            g[f"vision.pos_embed_resized.{i}"] = r[0].reshape(gh, gw, -1)
    g = {k: v.detach().contiguous() for k, v in g.items()}
    meta = {"transformers_version": transformers.__version__, "torch_version": torch.__version__,
            "model": case["name"], "images": ",".join(n for n, _ in images), "preprocessing": note}
    save_file(g, os.path.join(d, "goldens.safetensors"), metadata=meta)
    print(case["name"], note, "grids:", pre.get("inputs.spatial_shapes", "fixed").tolist() if case["kind"] == "naflex" else "fixed")


def main():
    outdir = sys.argv[1]
    images = make_images(outdir)
    for k, case in enumerate(CASES):
        run_case(case, images, outdir, seed=100 + k)
    print("transformers", transformers.__version__, "torch", torch.__version__)


if __name__ == "__main__":
    main()
