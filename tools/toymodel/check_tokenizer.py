"""Checks the toy tokenizer against an independent loader of Hugging Face's
tokenizer.json format, @lenml/tokenizers 3.7.2 (transformers.js), run with
node. Install it once:  (cd /tmp/lenml && npm install @lenml/tokenizers@3.7.2)
Run: python3 tools/toymodel/check_tokenizer.py MODEL_DIR [NPM_DIR]"""

import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captions as C  # noqa: E402
import scenes as S  # noqa: E402
import tokenizer_build as T  # noqa: E402


def texts():
    rng = np.random.default_rng(7)
    out = []
    for _ in range(400):
        objs = S.random_objects(rng, int(rng.integers(1, 4)))
        q = C.positive(rng, objs)
        out.append(C.text(q))
        out.append(C.TEMPLATE.format(C.text(q)))
    out += C.words() + [" " + w for w in C.words()]
    out += ["", " ", "  a  red", "Red Circle!", "héllo wörld", "日本", "🙂 a star", "tab\there",
            "new\nline", "<eos> inside", "a<pad>b", "x" * 80, "circles squares triangles",
            "an apple at the centre", "A BIG RED CIRCLE"]
    return out


def main():
    model_dir = sys.argv[1]
    npm_dir = sys.argv[2] if len(sys.argv) > 2 else "/tmp/lenml"
    tok = T.Tokenizer.load(os.path.join(model_dir, "tokenizer.json"))
    ts = texts()
    js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lenml_check.cjs")
    r = subprocess.run(["node", js, npm_dir, model_dir], input=json.dumps({"texts": ts}),
                       capture_output=True, text=True, check=True)
    want = json.loads(r.stdout)["ids"]
    bad = [(t, tok.encode(t), w) for t, w in zip(ts, want) if tok.encode(t) != w]
    for t, g, w in bad[:10]:
        print(f"MISMATCH {t!r}: python {g} lenml {w}")
    print(f"{len(ts) - len(bad)}/{len(ts)} texts encode identically")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
