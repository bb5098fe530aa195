"""Captions for scenes, and which captions are true of which scenes.

A caption mentions 1-3 objects; each mention is a query: some of the
attributes shape, colour, size, position (a missing shape reads "shape").
A caption is true of a scene when its queries can be matched to distinct
objects of the scene, each object having every attribute its query names.
Captions need not be exhaustive: "a circle" is true of every scene with a
circle in it. The training loss counts every true (image, caption) pair of
a batch as positive, whichever image the caption was written for.
"""

import itertools

import numpy as np

from scenes import COLOUR_NAMES, POSITIONS, SHAPES, SIZES

ATTRS = ["shape", "colour", "size", "position"]
VALUES = {"shape": SHAPES, "colour": COLOUR_NAMES, "size": SIZES, "position": POSITIONS}
POSITION_PHRASE = {
    "top left": "at the top left", "top": "at the top", "top right": "at the top right",
    "left": "on the left", "center": "in the center", "right": "on the right",
    "bottom left": "at the bottom left", "bottom": "at the bottom", "bottom right": "at the bottom right",
}
TEMPLATE = "this is a photo of {}."
MAX_QUERIES = 3


def phrase(q):
    """Noun phrase for one query, e.g. {"colour": "red"} -> "a red shape"."""
    words = []
    if "size" in q:
        words.append(q["size"])
    if "colour" in q:
        words.append(q["colour"])
    words.append(q.get("shape", "shape"))
    article = "an" if words[0][0] in "aeiou" else "a"
    s = article + " " + " ".join(words)
    if "position" in q:
        s += " " + POSITION_PHRASE[q["position"]]
    return s


def text(queries):
    """Caption text for a list of queries: "x", "x and y", "x, y and z"."""
    ps = [phrase(q) for q in queries]
    if len(ps) == 1:
        return ps[0]
    return ", ".join(ps[:-1]) + " and " + ps[-1]


def encode_queries(queries):
    """Queries as an int array [MAX_QUERIES, 4] of value indices: -1 for an
    attribute not named, -2 for a query slot not used."""
    a = np.full((MAX_QUERIES, len(ATTRS)), -2, np.int16)
    for j, q in enumerate(queries):
        a[j] = [VALUES[k].index(q[k]) if k in q else -1 for k in ATTRS]
    return a


def encode_objects(objects):
    """Objects as an int array [3, 4] of value indices, -3 for no object."""
    a = np.full((3, len(ATTRS)), -3, np.int16)
    for i, o in enumerate(objects):
        a[i] = [VALUES[k].index(o[k]) for k in ATTRS]
    return a


_PERMS = np.array(list(itertools.permutations(range(3))))  # 6 x 3


def truth(qs, objs):
    """qs [T, 3, 4] encoded captions, objs [I, 3, 4] encoded scenes ->
    bool [I, T]: caption t is true of scene i. Unused query slots match any
    object slot (real or empty), so they absorb the slots real queries leave
    free and the distinct-object matching becomes one over permutations."""
    q = qs[:, None, :, None, :]        # T, 1, 3q, 1, 4
    o = objs[None, :, None, :, :]      # 1, I, 1, 3o, 4
    attr_ok = (q == -1) | (q == o)     # T, I, 3q, 3o, 4
    real_obj = (objs[:, :, 0] >= 0)[None, :, None, :]
    m = attr_ok.all(-1) & real_obj     # T, I, 3q, 3o
    unused = (qs[:, :, 0] == -2)[:, None, :, None]
    m = m | unused
    # any permutation p with m[t, i, j, p[j]] for all j
    sel = m[:, :, np.arange(3)[None, :], _PERMS]  # T, I, 6, 3
    return sel.all(-1).any(-1).T


def _subset(rng, probs):
    """A non-empty attribute subset; probs are inclusion probabilities."""
    while True:
        q = [a for a in ATTRS if rng.random() < probs[a]]
        if q:
            return q


SUBSET_PROBS = {"shape": 0.75, "colour": 0.75, "size": 0.35, "position": 0.45}


def query_for(rng, obj, attrs):
    return {a: obj[a] for a in attrs}


def positive(rng, objects, full_prob=0.3, probs=None, no_colour=False):
    """A caption true of the scene: all objects fully described (positions
    included or not), or 1-2 objects partly. With no_colour, captions never
    name a colour (the curriculum's first phase: colour is a shortcut that
    otherwise stalls the learning of shape, size and position)."""
    probs = dict(probs or SUBSET_PROBS)
    if no_colour:
        probs["colour"] = 0.0
    n = len(objects)
    r = rng.random()
    if r < full_prob:
        with_pos = rng.random() < 0.6
        attrs = ATTRS if with_pos else ["shape", "colour", "size"]
        if no_colour:
            attrs = [a for a in attrs if a != "colour"]
        order = rng.permutation(n)
        return [query_for(rng, objects[i], attrs) for i in order]
    k = 1 if (n == 1 or rng.random() < 0.7) else 2
    picks = rng.permutation(n)[:k]
    return [query_for(rng, objects[i], _subset(rng, probs)) for i in picks]


def negative(rng, queries, objects, tries=20):
    """A caption like queries but false of the scene: one named attribute of
    one query changed (or, failing that, a random absent object)."""
    enc_obj = encode_objects(objects)[None]
    for _ in range(tries):
        qs = [dict(q) for q in queries]
        j = int(rng.integers(len(qs)))
        named = [a for a in ATTRS if a in qs[j]] or ATTRS
        attr = named[int(rng.integers(len(named)))]
        vals = VALUES[attr]
        qs[j][attr] = vals[int(rng.integers(len(vals)))]
        if not truth(encode_queries(qs)[None], enc_obj)[0, 0]:
            return qs
    for _ in range(tries):
        o = {a: VALUES[a][int(rng.integers(len(VALUES[a])))] for a in ATTRS}
        q = [query_for(rng, o, _subset(rng, SUBSET_PROBS))]
        if not truth(encode_queries(q)[None], enc_obj)[0, 0]:
            return q
    return None


def maybe_template(rng, s, prob):
    return TEMPLATE.format(s) if rng.random() < prob else s


def words():
    """Every word a caption can use, in a fixed order."""
    ws = ["a", "an", "and", "shape"] + SHAPES + COLOUR_NAMES + SIZES
    for p in POSITION_PHRASE.values():
        ws += p.split()
    ws += TEMPLATE.replace("{}", "").replace(".", "").split()
    seen, out = set(), []
    for w in ws:
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out
