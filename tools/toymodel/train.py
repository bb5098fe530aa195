"""Trains a toy SigLIP 2 on procedural scenes and writes a Hugging Face
model folder (config.json, model.safetensors, preprocessor_config.json,
tokenizer.json, tokenizer_config.json).

  python3 tools/toymodel/train.py --variant fixed --out DIR [--steps N ...]
  python3 tools/toymodel/train.py --variant naflex --init FIXED_DIR --out DIR

Loss: SigLIP's sigmoid loss over every (image, caption) pair of a batch,
with the truth of each pair computed from the scenes (captions.truth), and
one hard negative per image (a true caption with one attribute changed).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captions as C  # noqa: E402
import data as D  # noqa: E402
import evaluate as E  # noqa: E402
import model as M  # noqa: E402
import st  # noqa: E402
import tokenizer_build as T  # noqa: E402


def make_config(variant, vocab, a):
    vision = dict(hidden_size=a.hidden, intermediate_size=4 * a.hidden, num_hidden_layers=a.layers,
                  num_attention_heads=a.heads, num_channels=3, patch_size=a.patch,
                  hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6, attention_dropout=0.0)
    if variant == "fixed":
        vision.update(image_size=a.image, model_type="siglip_vision_model")
    else:
        vision.update(num_patches=(a.image // a.patch) ** 2, model_type="siglip2_vision_model")
    text = dict(vocab_size=vocab, hidden_size=a.text_hidden, intermediate_size=4 * a.text_hidden,
                num_hidden_layers=a.text_layers, num_attention_heads=a.heads,
                max_position_embeddings=a.text_len, projection_size=a.hidden,
                hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6, attention_dropout=0.0,
                pad_token_id=T.PAD, bos_token_id=T.BOS, eos_token_id=T.EOS,
                model_type="siglip_text_model" if variant == "fixed" else "siglip2_text_model")
    return {
        "architectures": ["SiglipModel" if variant == "fixed" else "Siglip2Model"],
        "model_type": "siglip" if variant == "fixed" else "siglip2",
        "initializer_factor": 1.0,
        "text_config": text,
        "vision_config": vision,
        "torch_dtype": "float32",
    }


def preprocessor_config(variant, a):
    p = {
        "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        "resample": 2, "rescale_factor": 1 / 255,
    }
    if variant == "fixed":
        p.update(image_processor_type="SiglipImageProcessor", size={"height": a.image, "width": a.image})
    else:
        p.update(image_processor_type="Siglip2ImageProcessor", patch_size=a.patch,
                 max_num_patches=(a.image // a.patch) ** 2)
    return p


def init_weights(m):
    for name, p in m.named_parameters():
        if name.endswith("token_embedding.weight") or name.endswith("position_embedding.weight"):
            torch.nn.init.normal_(p, std=p.shape[1] ** -0.5)
        elif name.endswith("head.probe"):
            torch.nn.init.normal_(p, std=p.shape[-1] ** -0.5)
    with torch.no_grad():
        m.logit_scale.fill_(math.log(10.0))
        m.logit_bias.fill_(-10.0)


def sincos_positions(grid, d):
    """A grid×grid table of 2D sine-cosine position embeddings (half the
    features for the row, half for the column, as in MAE), scaled to the
    per-element standard deviation of init_weights' random table (d^-0.5):
    as strong as the random start, but neighbouring cells start alike."""
    q = d // 4
    freq = 1.0 / (10000 ** (torch.arange(q, dtype=torch.float64) / q))
    ys, xs = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64), indexing="ij")
    parts = []
    for v in (ys.reshape(-1), xs.reshape(-1)):
        ang = v[:, None] * freq[None, :]
        parts += [torch.sin(ang), torch.cos(ang)]
    t = torch.cat(parts, dim=1)
    t = torch.nn.functional.pad(t, (0, d - t.shape[1]))
    return (t / t.std() * d ** -0.5).float()


def fixed_to_naflex(sd):
    """A fixed-res state dict as a NaFlex one: the Conv2d patch weight
    [D, C, p, p] becomes the Linear weight over (py, px, c)-flattened patches."""
    out = dict(sd)
    w = out["vision_model.embeddings.patch_embedding.weight"]
    if w.dim() == 4:
        out["vision_model.embeddings.patch_embedding.weight"] = w.permute(0, 2, 3, 1).reshape(w.shape[0], -1).contiguous()
    return out


def naflex_to_fixed(sd, patch):
    """The inverse of fixed_to_naflex: Linear [D, p*p*C] -> Conv2d [D, C, p, p]."""
    out = dict(sd)
    w = out["vision_model.embeddings.patch_embedding.weight"]
    if w.dim() == 2:
        d = w.shape[0]
        out["vision_model.embeddings.patch_embedding.weight"] = w.reshape(d, patch, patch, -1).permute(0, 3, 1, 2).contiguous()
    return out


def as_fixed(model, a):
    """The same weights as a fixed-resolution SiglipModel at a.image px (the
    NaFlex model at its native grid, where resizing positions is the identity)."""
    cfg = make_config("fixed", model.config["text_config"]["vocab_size"], a)
    fixed = M.SiglipToy(cfg)
    fixed.load_state_dict(naflex_to_fixed(model.state_dict(), a.patch))
    return fixed


def save_folder(model, out, variant, a, tok, meta):
    os.makedirs(out, exist_ok=True)
    cfg = dict(model.config)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_config(variant, a), f, indent=2, sort_keys=True)
        f.write("\n")
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    st.save(os.path.join(out, "model.safetensors"), sd, {"format": "pt", **meta})
    tok.write(out, a.text_len)


def lr_at(step, a):
    warm = max(1, int(a.warmup * a.steps))
    if step < warm:
        return a.lr * (step + 1) / warm
    t = (step - warm) / max(1, a.steps - warm)
    return a.lr * (a.min_lr + (1 - a.min_lr) * 0.5 * (1 + math.cos(math.pi * t)))


def batcher_for(a, tok):
    sw = tuple(float(x) for x in a.scene_weights.split(","))
    probs = None
    if a.subset_probs:
        probs = {k: float(v) for k, v in (kv.split("=") for kv in a.subset_probs.split(","))}
    return D.Batcher(a.variant, tok, a.batch, a.seed, a.text_len, a.patch, a.image,
                     a.template_prob, a.full_prob, a.neg, sw, a.square_prob, probs,
                     int(a.curriculum * a.steps))


def batches(batcher, start, stop, workers):
    """Batches start..stop-1 in order, made inline or by a pool of workers
    (forked here, before the model touches a GPU)."""
    if workers <= 0:
        return (batcher(k) for k in range(start, stop))
    import multiprocessing as mp
    pool = mp.get_context("fork").Pool(workers)
    return pool.imap(batcher, range(start, stop), chunksize=1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", choices=["fixed", "naflex"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--init", help="model folder to start from (a fixed-res one for NaFlex)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=0.02, help="final lr as a fraction of --lr")
    p.add_argument("--warmup", type=float, default=0.03)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--hidden", type=int, default=96)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--text-hidden", type=int, default=96)
    p.add_argument("--text-layers", type=int, default=2)
    p.add_argument("--text-len", type=int, default=32)
    p.add_argument("--patch", type=int, default=8)
    p.add_argument("--image", type=int, default=72)
    p.add_argument("--neg", type=int, default=1, help="hard negative captions per image")
    p.add_argument("--template-prob", type=float, default=0.2)
    p.add_argument("--full-prob", type=float, default=0.3)
    p.add_argument("--scene-weights", default="0.45,0.35,0.2")
    p.add_argument("--square-prob", type=float, default=0.0,
                   help="NaFlex: fraction of batches of square --image scenes (the fixed-res input)")
    p.add_argument("--export-fixed", help="NaFlex: also write the same weights as a fixed-res folder here")
    p.add_argument("--curriculum", type=float, default=0.0,
                   help="fraction of steps at the start whose captions name no colour")
    p.add_argument("--subset-probs", default="", help="e.g. shape=0.8,colour=0.5,size=0.4,position=0.5")
    p.add_argument("--aux", type=float, default=0.0,
                   help="weight of an auxiliary attribute-presence loss on the pooled image features (training only)")
    p.add_argument("--text-aux", type=float, default=0.0,
                   help="weight of an auxiliary loss on the pooled text features: which attribute values a "
                        "caption names (training only; keeps position words from collapsing together)")
    p.add_argument("--dense", type=float, default=0.0,
                   help="weight of a dense term: each patch, through the pooling head alone, scored against "
                        "colour/shape labels of the object covering it (a stand-in for SigLIP 2's dense objectives)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=0, help="data worker processes (0: inline)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--pos-init", default="random", choices=["random", "sincos"],
                   help="the vision position table's start: random (HF's init) or 2D sine-cosine")
    p.add_argument("--time-limit", type=float, default=0, help="stop after this many seconds (0: none)")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--eval-scenes", default="150,150")
    a = p.parse_args(argv)

    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    tok = T.Tokenizer.build(C.words())
    cfg = make_config(a.variant, len(tok.vocab), a)
    model = M.SiglipToy(cfg)
    init_weights(model)
    if a.pos_init == "sincos":
        emb = model.vision_model.embeddings.position_embedding
        grid = math.isqrt(emb.weight.shape[0])
        with torch.no_grad():
            emb.weight.copy_(sincos_positions(grid, emb.weight.shape[1]))
    if a.init:
        sd, _ = st.load_torch(os.path.join(a.init, "model.safetensors"))
        if a.variant == "naflex":
            sd = fixed_to_naflex(sd)
        model.load_state_dict(sd)
    stream = batches(batcher_for(a, tok), 0, a.steps, a.workers)
    model.to(a.device)
    dense_ids = torch.tensor([tok.siglip(t, a.text_len) for t in D.DENSE_TEXTS], device=a.device)
    n_params = sum(p.numel() for p in model.parameters())
    aux = torch.nn.Linear(a.hidden, D.N_ATTR_TARGETS).to(a.device) if a.aux else None
    taux = torch.nn.Linear(a.hidden, D.N_ATTR_TARGETS).to(a.device) if a.text_aux else None
    named = list(model.named_parameters())
    for extra in (aux, taux):
        if extra is not None:
            named += list(extra.named_parameters())
    decay = [p for n, p in named if p.dim() >= 2 and "embedding" not in n]
    no_decay = [p for n, p in named if not (p.dim() >= 2 and "embedding" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-6)
    ns, nd = (int(x) for x in a.eval_scenes.split(","))
    eval_set = E.make_eval_set(a.seed + 1000, ns, nd, a.variant)
    print(f"{a.variant}: {n_params} parameters, vocab {len(tok.vocab)}, {a.steps} steps of {a.batch}", flush=True)

    t0 = time.time()
    run_loss = None
    for step, b in enumerate(stream):
        model.train()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a)
        px = torch.from_numpy(b["pixels"]).to(a.device)
        ids = torch.from_numpy(b["ids"]).to(a.device)
        y = torch.from_numpy(b["labels"]).to(a.device) * 2 - 1
        if a.variant == "fixed":
            vo = model.encode_image(px)
        else:
            sp = torch.from_numpy(b["spatial"]).to(a.device)
            vo = model.encode_image(px, torch.ones(px.shape[:2], dtype=torch.long, device=a.device), sp)
        to = model.encode_text(ids)
        te = to["embeds"]
        logits = model.logits(vo["embeds"], te)
        loss = -F.logsigmoid(y * logits).sum() / px.shape[0]
        parts = {"sig": float(loss.detach())}
        if taux is not None:
            tgt = torch.from_numpy(b["mentions"]).to(a.device)
            tl = F.binary_cross_entropy_with_logits(taux(to["pooler_output"]), tgt, reduction="sum") / ids.shape[0]
            parts["taux"] = float(tl.detach())
            loss = loss + a.text_aux * tl
        if a.dense:
            te_d = model.encode_text(dense_ids)["embeds"]
            pe = F.normalize(model.vision_model.head.per_patch(vo["last_hidden_state"]), dim=-1)
            dl = torch.einsum("btd,ld->btl", pe, te_d) * model.logit_scale.exp() + model.logit_bias
            plab = torch.from_numpy(b["patch_labels"]).to(a.device)          # B, tokens
            truth = torch.from_numpy(b["dense_truth"]).to(a.device)          # B, 3, L
            truth = torch.cat([torch.zeros_like(truth[:, :1]), truth], 1)    # index 0: background
            tgt = torch.gather(truth, 1, plab.clamp(min=0)[..., None].expand(-1, -1, truth.shape[-1]))
            valid = (plab >= 0).float()[..., None]
            bce = F.binary_cross_entropy_with_logits(dl, tgt, reduction="none") * valid
            dloss = bce.sum() / valid.sum().clamp(min=1)
            parts["dense"] = float(dloss.detach())
            loss = loss + a.dense * dloss
        if aux is not None:
            tgt = torch.from_numpy(b["attrs"]).to(a.device)
            al = F.binary_cross_entropy_with_logits(aux(vo["pooler_output"]), tgt, reduction="sum") / px.shape[0]
            parts["aux"] = float(al.detach())
            loss = loss + a.aux * al
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        lv = float(loss.detach())
        run_loss = lv if run_loss is None else 0.98 * run_loss + 0.02 * lv
        run_parts = parts if step == 0 else {k: 0.98 * run_parts[k] + 0.02 * v for k, v in parts.items()}
        if step % 50 == 0 or step == a.steps - 1:
            el = time.time() - t0
            print(f"step {step:5d} loss {run_loss:.3f} lr {lr_at(step, a):.2e} t {model.logit_scale.exp().item():.1f} "
                  f"b {model.logit_bias.item():.2f}  {el:.0f}s ({el / (step + 1):.2f}s/step)  "
                  + " ".join(f"{k} {v:.3f}" for k, v in run_parts.items()), flush=True)
        over = a.time_limit and time.time() - t0 > a.time_limit
        if (a.eval_every and (step + 1) % a.eval_every == 0) or step == a.steps - 1 or over:
            model.cpu()
            met = E.evaluate(model, tok, eval_set, a.variant, a.text_len)
            model.to(a.device)
            print(f"eval {step + 1}: {E.report(met, a.variant)}  (same {met['sim_same']:.2f} bg {met['sim_bg']:.2f})", flush=True)
        if over:
            print(f"time limit: stopped after {step + 1} of {a.steps} steps", flush=True)
            break
    model.cpu()
    meta = {"toymodel_args": json.dumps(vars(a), sort_keys=True), "train_seconds": f"{time.time() - t0:.0f}"}
    save_folder(model, a.out, a.variant, a, tok, meta)
    print(f"wrote {a.out} after {time.time() - t0:.0f}s", flush=True)
    if a.export_fixed:
        fixed = as_fixed(model, a)
        met = E.evaluate(fixed, tok, E.make_eval_set(a.seed + 1000, ns, nd, "fixed"), "fixed", a.text_len)
        print(f"eval fixed export: {E.report(met, 'fixed')}  (same {met['sim_same']:.2f} bg {met['sim_bg']:.2f})", flush=True)
        save_folder(fixed, a.export_fixed, "fixed", a, tok, meta)
        print(f"wrote {a.export_fixed}", flush=True)


if __name__ == "__main__":
    main()
