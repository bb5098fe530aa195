"""Training and evaluation batches: scenes rendered, preprocessed as the
Hugging Face image processors (and the Go engine) do, with captions, their
token ids and the true/false matrix of every (image, caption) pair.

Batch k of a run is drawn from numpy's Generator seeded with (seed, k)
alone, so the data is the same whatever the number of worker processes.
"""

import math

import numpy as np
from PIL import Image

import captions as C
import scenes as S

# NaFlex training canvases in patches (rows, columns). Every side is a
# multiple of 3, so the 3 x 3 placement grid falls on patch boundaries (as it
# does at the fixed 72 x 72 = 9 x 9 patches); scenes are drawn at 8 px per
# patch and fed with max_num_patches = rows * columns, which keeps their size.
NAFLEX_GRIDS = [(9, 9), (6, 12), (12, 6), (6, 9), (9, 6)]
# Held-out NaFlex scenes: the sizes the default budget (81 patches) keeps.
NAFLEX_EVAL_GRIDS = [(9, 9), (6, 12), (12, 6)]


def naflex_size(h, w, patch, max_patches, eps=1e-5):
    """Hugging Face's get_image_size_for_max_num_patches: the largest
    patch-multiple size of about the image's aspect ratio whose patch count
    fits max_patches (bisection on the scale)."""
    def scaled(scale, size):
        return max(patch, int(math.ceil(size * scale / patch)) * patch)
    lo, hi = eps / 10, 100.0
    while hi - lo >= eps:
        mid = (lo + hi) / 2
        th, tw = scaled(mid, h), scaled(mid, w)
        if (th / patch) * (tw / patch) <= max_patches:
            lo = mid
        else:
            hi = mid
    return scaled(lo, h), scaled(lo, w)


def normalise(img_u8):
    """uint8 HWC -> float32 HWC as SigLIP's processor: x/255, then (x-0.5)/0.5."""
    x = (img_u8.astype(np.float64) * (1 / 255)).astype(np.float32)
    return (x - np.float32(0.5)) / np.float32(0.5)


def patchify(x, patch):
    """float HWC (multiple of patch) -> [gh*gw, patch*patch*3] flattened (py, px, c)."""
    h, w, c = x.shape
    gh, gw = h // patch, w // patch
    return x.reshape(gh, patch, gw, patch, c).transpose(0, 2, 1, 3, 4).reshape(gh * gw, patch * patch * c)


def resize_u8(img, h, w):
    """PIL BILINEAR resize of a uint8 image (the processors' resample=2)."""
    if img.shape[0] == h and img.shape[1] == w:
        return img
    return np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR))


def label_map(masks):
    """Object label per pixel (0 background, i+1 object i) where coverage >= 0.5."""
    lab = np.zeros(masks.shape[1:], np.uint8)
    for i, m in enumerate(masks):
        lab[m >= 0.5] = i + 1
    return lab


def patch_coverage(labels, n_objects, gh, gw):
    """Per object, the fraction of each patch's source pixels that carry its
    label: [n, gh*gw]. Pixel (x, y) of the original image falls in patch
    (floor((y+.5)*gh/H), floor((x+.5)*gw/W)); the Go test uses the same rule."""
    h, w = labels.shape
    py = np.floor((np.arange(h) + 0.5) * gh / h).astype(int)
    px = np.floor((np.arange(w) + 0.5) * gw / w).astype(int)
    idx = (py[:, None] * gw + px[None, :]).ravel()
    total = np.bincount(idx, minlength=gh * gw).astype(np.float64)
    cov = np.zeros((n_objects, gh * gw))
    flat = labels.ravel()
    for i in range(n_objects):
        cov[i] = np.bincount(idx, weights=(flat == i + 1).astype(np.float64), minlength=gh * gw) / total
    return cov


# Labels of the dense term: every colour+shape, colour and shape phrase.
DENSE_QUERIES = ([{"colour": c, "shape": s} for c in S.COLOUR_NAMES for s in S.SHAPES]
                 + [{"colour": c} for c in S.COLOUR_NAMES] + [{"shape": s} for s in S.SHAPES])
DENSE_TEXTS = [C.phrase(q) for q in DENSE_QUERIES]
_DENSE_ENC = np.stack([C.encode_queries([q]) for q in DENSE_QUERIES])


def dense_targets(objects, masks, gh, gw):
    """Per patch of a gh x gw grid: which dense label texts are true of it.
    Returns (patch label [gh*gw]: k+1 where object k covers >= half the patch,
    0 where no object pixel is, -1 otherwise; truth [3, len(DENSE_TEXTS)] per
    object)."""
    lab = label_map(masks)
    cov = patch_coverage(lab, len(objects), gh, gw)
    out = np.full(gh * gw, -1, np.int64)
    out[cov.sum(0) == 0] = 0
    for k in range(len(objects)):
        out[cov[k] >= 0.5] = k + 1
    truth = np.zeros((3, len(DENSE_TEXTS)), np.float32)
    for k, o in enumerate(objects):
        truth[k] = C.truth(_DENSE_ENC, C.encode_objects([o])[None])[0]
    return out, truth


N_ATTR_TARGETS = sum(len(v) for v in C.VALUES.values()) + len(S.COLOUR_NAMES) * len(S.SHAPES)


def attribute_targets(objects):
    """Multi-hot presence of every attribute value and colour+shape pair in
    a scene (targets of the optional auxiliary loss)."""
    t = np.zeros(N_ATTR_TARGETS, np.float32)
    for o in objects:
        base = 0
        for a in C.ATTRS:
            t[base + C.VALUES[a].index(o[a])] = 1
            base += len(C.VALUES[a])
        t[base + S.COLOUR_NAMES.index(o["colour"]) * len(S.SHAPES) + S.SHAPES.index(o["shape"])] = 1
    return t


def mention_targets(queries):
    """Multi-hot of the attribute values (and colour+shape pairs) a caption
    names (targets of the optional text-side auxiliary loss)."""
    t = np.zeros(N_ATTR_TARGETS, np.float32)
    for q in queries:
        base = 0
        for a in C.ATTRS:
            if a in q:
                t[base + C.VALUES[a].index(q[a])] = 1
            base += len(C.VALUES[a])
        if "colour" in q and "shape" in q:
            t[base + S.COLOUR_NAMES.index(q["colour"]) * len(S.SHAPES) + S.SHAPES.index(q["shape"])] = 1
    return t


class Batcher:
    """Makes training batches for one variant."""

    def __init__(self, variant, tokenizer, batch, seed, text_len=32, patch=8, image=72,
                 template_prob=0.2, full_prob=0.3, neg_per_image=1, scene_weights=(0.45, 0.35, 0.2),
                 square_prob=0.0, subset_probs=None, curriculum_steps=0):
        self.variant, self.tok, self.batch, self.seed = variant, tokenizer, batch, seed
        self.text_len, self.patch, self.image = text_len, patch, image
        self.template_prob, self.full_prob, self.neg = template_prob, full_prob, neg_per_image
        self.weights = scene_weights
        self.square_prob = square_prob
        self.subset_probs = subset_probs
        self.curriculum_steps = curriculum_steps
        self.drop_article = 0.1

    def canvas(self, rng):
        """(render h, w, model h, w) for one batch."""
        if self.variant == "fixed" or rng.random() < self.square_prob:
            return self.image, self.image, self.image, self.image
        gh, gw = NAFLEX_GRIDS[int(rng.integers(len(NAFLEX_GRIDS)))]
        h, w = gh * self.patch, gw * self.patch
        assert naflex_size(h, w, self.patch, gh * gw) == (h, w)
        return h, w, h, w

    def caption_ids(self, text):
        ids = self.tok.siglip(text, self.text_len)
        return ids

    def fits(self, text):
        return len(self.tok.encode(text)) <= self.text_len - 1

    def __call__(self, k):
        rng = np.random.default_rng([self.seed, k])
        h, w, th, tw = self.canvas(rng)
        pixels, objs_enc, texts, queries, attrs, patch_lab, dense_truth, mentions = [], [], {}, [], [], [], [], []
        for _ in range(self.batch):
            img, masks, objs = S.random_scene(rng, h, w, weights=self.weights)
            pl, dt = dense_targets(objs, masks, th // self.patch, tw // self.patch)
            patch_lab.append(pl)
            dense_truth.append(dt)
            x = normalise(resize_u8(img, th, tw))
            pixels.append(x.transpose(2, 0, 1) if self.variant == "fixed" else patchify(x, self.patch))
            objs_enc.append(C.encode_objects(objs))
            attrs.append(attribute_targets(objs))
            qs = [C.positive(rng, objs, self.full_prob, self.subset_probs, k < self.curriculum_steps)]
            for _ in range(self.neg):
                n = C.negative(rng, qs[0], objs)
                if n is not None:
                    qs.append(n)
            for q in qs:
                t = C.text(q)
                if rng.random() < self.drop_article:  # "red circle" as people type labels
                    t = t.split(" ", 1)[1]
                t = C.maybe_template(rng, t, self.template_prob)
                if not self.fits(t):
                    t = C.text(q)
                if not self.fits(t):
                    continue
                if t not in texts:
                    texts[t] = len(texts)
                    queries.append(C.encode_queries(q))
                    mentions.append(mention_targets(q))
        ids = np.array([self.caption_ids(t) for t in texts], np.int64)
        truth = C.truth(np.stack(queries), np.stack(objs_enc))
        out = dict(pixels=np.stack(pixels).astype(np.float32), ids=ids, labels=truth.astype(np.float32),
                   attrs=np.stack(attrs).astype(np.float32),
                   patch_labels=np.stack(patch_lab), dense_truth=np.stack(dense_truth),
                   mentions=np.stack(mentions))
        if self.variant == "naflex":
            out["spatial"] = np.array([[th // self.patch, tw // self.patch]] * self.batch, np.int64)
        return out
