"""Loads the reference checkpoints of testdata/reference into model.py and
compares every golden tensor (hidden states, attentions, pooled outputs,
embeddings, logits) with transformers' values, using the README's
tolerances: |got - want| <= 1e-4 + 1e-4*|want| (attention 1e-5).
Run: python3 tools/toymodel/check_reference.py  (exit status 1 on mismatch)."""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
import st  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REF = os.path.join(ROOT, "testdata", "reference")


def load_model(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    m = M.SiglipToy(cfg)
    sd, _ = st.load_torch(os.path.join(folder, "model.safetensors"))
    missing, unexpected = m.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{folder}: missing {missing}, unexpected {unexpected}")
    return m.eval()


def compare(name, got, want, failures, valid_rows=None):
    got, want = got.detach().float(), want.float()
    if got.shape != want.shape:
        failures.append(f"{name}: shape {tuple(got.shape)} != {tuple(want.shape)}")
        return 0.0
    if valid_rows is not None:
        got, want = got[valid_rows], want[valid_rows]
    tol = 1e-5 if "attentions" in name else None
    diff = (got - want).abs()
    bound = torch.full_like(want, tol) if tol else 1e-4 + 1e-4 * want.abs()
    worst = float(diff.max()) if diff.numel() else 0.0
    if bool((diff > bound).any()):
        failures.append(f"{name}: max diff {worst:.3g}")
    return worst


def check(model_dir, golden):
    m = load_model(os.path.join(REF, model_dir))
    g, _ = st.load_torch(os.path.join(REF, "goldens", golden))
    failures = []
    worst = 0.0
    with torch.no_grad():
        ids = g["inputs.input_ids"].long()
        pv = g["inputs.pixel_values"]
        if m.variant == "fixed":
            vo = m.encode_image(pv, capture=True)
            mask = None
        else:
            mask = g["inputs.pixel_attention_mask"]
            vo = m.encode_image(pv, mask, g["inputs.spatial_shapes"], capture=True)
        to = m.encode_text(ids, capture=True)
        logits = m.logits(vo["embeds"], to["embeds"])
        outs = {
            "image_embeds": vo["embeds"], "text_embeds": to["embeds"],
            "logits_per_image": logits, "logits_per_text": logits.t(),
            "probs_per_image": torch.sigmoid(logits),
            "vision.pooler_output": vo["pooler_output"], "text.pooler_output": to["pooler_output"],
            "text.last_hidden_state": to["last_hidden_state"],
        }
        for i, s in enumerate(to["hidden_states"]):
            outs[f"text.hidden_states.{i}"] = s
        for i, p in enumerate(to["attentions"]):
            outs[f"text.attentions.{i}"] = p
        n = pv.shape[0]
        for i in range(n):
            rows = slice(None) if mask is None else mask[i].bool()
            for j, s in enumerate(vo["hidden_states"]):
                worst = max(worst, compare(f"vision.hidden_states.{j}[{i}]", s[i][rows], g[f"vision.hidden_states.{j}"][i][rows], failures))
            for j, p in enumerate(vo["attentions"]):
                worst = max(worst, compare(f"vision.attentions.{j}[{i}]", p[i][:, rows], g[f"vision.attentions.{j}"][i][:, rows], failures))
            worst = max(worst, compare(f"vision.last_hidden_state[{i}]", vo["last_hidden_state"][i][rows], g["vision.last_hidden_state"][i][rows], failures))
            if mask is not None:
                h, w = [int(v) for v in g["inputs.spatial_shapes"][i]]
                r = M.resize_positions(m.vision_model.embeddings.position_embedding.weight,
                                       m.vision_model.embeddings.grid, h, w).reshape(h, w, -1)
                worst = max(worst, compare(f"vision.pos_embed_resized.{i}", r, g[f"vision.pos_embed_resized.{i}"], failures))
        for k, v in outs.items():
            worst = max(worst, compare(k, v, g[k], failures))
    status = "FAIL" if failures else "ok"
    print(f"{status} {model_dir} / {golden}: worst abs diff {worst:.3g}")
    for f in failures:
        print("   ", f)
    return not failures


def main():
    torch.set_num_threads(2)
    ok = all([check("siglip2_fixed", "fixed.safetensors"),
              check("siglip2_naflex", "naflex_mnp16.safetensors"),
              check("siglip2_naflex", "naflex_mnp64.safetensors")])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
