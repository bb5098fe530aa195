"""The one command that makes everything under samples/: trains the toy
SigLIP 2 (seeded), writes both model folders, the sample scenes and the
token ids the Go test reads, and prints the Python-side measurements.

  nice -n 10 python3 tools/toymodel/make_samples.py            # the full run
  python3 tools/toymodel/make_samples.py --skip-train           # images, ids, measurements only

One NaFlex model is trained on 72 x 72 scenes (a 9 x 9 grid: exactly the
fixed-resolution input) and on scenes of other aspect ratios, then written
twice: as Siglip2Model (NaFlex) and as SiglipModel (fixed resolution) with
the same weights, the patch embedding reshaped to a Conv2d.
"""

import argparse
import io
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import captions as C  # noqa: E402
import evaluate as E  # noqa: E402
import model as M  # noqa: E402
import scenes as S  # noqa: E402
import st  # noqa: E402
import tokenizer_build as T  # noqa: E402
import train  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SAMPLES = os.path.join(ROOT, "samples")
FIXED = os.path.join(SAMPLES, "models", "toy-fixed")
NAFLEX = os.path.join(SAMPLES, "models", "toy-naflex")

# The training recipe (train.py's flags).
RECIPE = [
    "--variant", "naflex", "--square-prob", "0.5",
    "--steps", "3500", "--batch", "64", "--lr", "2e-3",
    "--curriculum", "0.15", "--subset-probs", "shape=0.8,colour=0.5,size=0.4,position=0.5",
    "--aux", "1", "--text-aux", "1", "--dense", "1",
    "--seed", "1", "--eval-every", "500", "--eval-scenes", "100,100", "--pos-init", "sincos",
]

# The shipped scenes: (file, height, width, number of objects, seed).
IMAGES = [
    ("one-shape.png", 72, 72, 1, 11),
    ("two-shapes.png", 72, 72, 2, 12),
    ("two-shapes-b.png", 72, 72, 2, 13),
    ("three-shapes.png", 72, 72, 3, 14),
    ("wide.png", 48, 96, 2, 15),
    ("tall.png", 96, 48, 2, 16),
    ("wide-three.png", 48, 96, 3, 17),
]


def write_vocabulary():
    """Every word of the training captions, for the explorer to tell the
    user which words of a label the toy model cannot know."""
    about = ("every word of the toy model's training captions (tools/toymodel/captions.py words()); "
             "the model has never read any other word")
    body = '{\n "about": ' + json.dumps(about) + ',\n "words": ' + json.dumps(C.words()) + "\n}\n"
    for folder in (FIXED, NAFLEX):
        with open(os.path.join(folder, "vocabulary.json"), "w") as f:
            f.write(body)


def load(folder):
    m = M.SiglipToy(json.load(open(os.path.join(folder, "config.json"))))
    sd, _ = st.load_torch(os.path.join(folder, "model.safetensors"))
    m.load_state_dict(sd)
    return m.eval()


def write_images():
    os.makedirs(os.path.join(SAMPLES, "images"), exist_ok=True)
    index = []
    for name, h, w, n, seed in IMAGES:
        rng = np.random.default_rng([seed, 2026])
        objs = S.random_objects(rng, n, distinct=True)
        img, _ = S.render(rng, objs, h, w)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "PNG", optimize=True)
        with open(os.path.join(SAMPLES, "images", name), "wb") as f:
            f.write(buf.getvalue())
        order = sorted(range(n), key=lambda i: S.POSITIONS.index(objs[i]["position"]))
        index.append({"file": name, "caption": C.text([objs[i] for i in order])})
    with open(os.path.join(SAMPLES, "images", "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    return index


def write_label_ids(tok, length):
    """Token ids of every label the Go test uses."""
    texts = []
    for c in S.COLOUR_NAMES:
        for s in S.SHAPES:
            base = C.phrase({"colour": c, "shape": s})
            texts.append(base)
            texts += [C.phrase({"colour": c, "shape": s, "position": p}) for p in S.POSITIONS]
    ids = {t: tok.siglip(t, length) for t in texts}
    os.makedirs(os.path.join(SAMPLES, "testdata"), exist_ok=True)
    with open(os.path.join(SAMPLES, "testdata", "label_ids.json"), "w") as f:
        f.write("{\n" + ",\n".join(f" {json.dumps(t)}: {json.dumps(v)}" for t, v in ids.items()) + "\n}\n")


def measure(n_single, n_double):
    res = {}
    for variant, folder in (("fixed", FIXED), ("naflex", NAFLEX)):
        m = load(folder)
        tok = T.Tokenizer.load(os.path.join(folder, "tokenizer.json"))
        length = m.config["text_config"]["max_position_embeddings"]
        met = E.evaluate(m, tok, E.make_eval_set(4242, n_single, n_double, variant), variant, length)
        print(f"{variant}: {E.report(met, variant)}", flush=True)
        res[variant] = met
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-train", action="store_true", help="keep the model folders under samples/")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval", default="300,300", help="held-out single,two-object scenes to measure on")
    p.add_argument("extra", nargs="*", help="more train.py flags (override the recipe)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    if not a.skip_train:
        train.main(RECIPE + ["--out", NAFLEX, "--export-fixed", FIXED, "--threads", str(a.threads)] + a.extra)
        print(f"trained in {time.time() - t0:.0f}s", flush=True)
    tok = T.Tokenizer.load(os.path.join(FIXED, "tokenizer.json"))
    length = json.load(open(os.path.join(FIXED, "config.json")))["text_config"]["max_position_embeddings"]
    write_label_ids(tok, length)
    write_vocabulary()
    for e in write_images():
        print(f"{e['file']}: {e['caption']}")
    ns, nd = (int(x) for x in a.eval.split(","))
    res = measure(ns, nd)
    with open(os.path.join(HERE, "measured.json"), "w") as f:
        json.dump({"python": res, "eval_scenes": [ns, nd], "seconds": round(time.time() - t0)}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
