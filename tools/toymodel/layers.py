"""Layer-by-layer statistics of a toy model on held-out two-object scenes,
the numbers behind samples/README.md's teaching section.

  python3 tools/toymodel/layers.py samples/models/toy-fixed [fixed|naflex]

Per layer (hidden_states[l]: l = 0 is the embedding output):
  cos same / other / bg   mean cosine from an object's most covered patch to
                          its other patches, to the other object's, to background
  attn self-object        attention mass from an object's patches onto the same
                          object's patches (mean over heads), vs its area share
For the pooling head: attention on objects vs their area share.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data as D  # noqa: E402
import evaluate as E  # noqa: E402
import model as M  # noqa: E402
import st  # noqa: E402


def main():
    folder = sys.argv[1]
    variant = sys.argv[2] if len(sys.argv) > 2 else "fixed"
    torch.set_num_threads(2)
    m = M.SiglipToy(json.load(open(os.path.join(folder, "config.json"))))
    sd, _ = st.load_torch(os.path.join(folder, "model.safetensors"))
    m.load_state_dict(sd)
    m.eval()
    scenes = E.make_eval_set(77, 0, 100, variant)
    L = m.vision_model.c.num_hidden_layers
    stats = {k: [[] for _ in range(L + 1)] for k in ("same", "other", "bg")}
    attn = [[] for _ in range(L)]
    share = []
    pool, pool_share = [], []
    with torch.no_grad():
        for img, lab, objs in scenes:
            px, (gh, gw) = E.prepare(img, variant)
            x = torch.from_numpy(px)[None]
            if variant == "fixed":
                out = m.encode_image(x, capture=True)
            else:
                out = m.encode_image(x, torch.ones(1, x.shape[1], dtype=torch.long), torch.tensor([[gh, gw]]), capture=True)
            cov = D.patch_coverage(lab, 2, gh, gw)
            inside = [c >= 0.5 if (c >= 0.5).any() else c == c.max() for c in cov]
            bg = cov.sum(0) == 0
            for l, h in enumerate(out["hidden_states"]):
                f = F.normalize(h[0], dim=-1)
                for a in range(2):
                    ref = int(np.argmax(cov[a]))
                    s = (f @ f[ref]).numpy()
                    same = inside[a].copy()
                    same[ref] = False
                    if same.any():
                        stats["same"][l].append(s[same].mean())
                    stats["other"][l].append(s[inside[1 - a]].mean())
                    if bg.any():
                        stats["bg"][l].append(s[bg].mean())
            for l, p in enumerate(out["attentions"]):
                p = p[0].mean(0).numpy()  # queries x keys
                for a in range(2):
                    q = inside[a]
                    attn[l].append(p[q][:, inside[a]].sum(1).mean())
            for a in range(2):
                share.append(inside[a].mean())
            pa = out["pooling_attention"][0].mean(0).numpy()
            u = cov.sum(0)
            pool.append((pa * u).sum())
            pool_share.append(u.mean())
    print(f"{folder} ({variant}), 100 two-object scenes")
    print("layer  cos same  cos other  cos bg   attn on own object (area share %.2f)" % np.mean(share))
    for l in range(L + 1):
        a = f"{np.mean(attn[l]):.2f}" if l < L else "  - "
        print(f"{l:5d}  {np.mean(stats['same'][l]):8.2f}  {np.mean(stats['other'][l]):9.2f}  {np.mean(stats['bg'][l]):6.2f}   {a}")
    print(f"pooling head: {np.mean(pool):.2f} of its attention on objects covering {np.mean(pool_share):.2f} of the image")


if __name__ == "__main__":
    main()
