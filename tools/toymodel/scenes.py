"""Procedural scenes: 1-3 coloured shapes on a textured background, placed
on a 3 x 3 grid, with exact per-object coverage masks and the facts that
captions are made from.

Everything is drawn with numpy from a numpy Generator, so a seed gives the
same scenes on every machine. Shapes are antialiased by 4 x 4 supersampling
inside each object's box.
"""

import numpy as np

SHAPES = ["circle", "square", "triangle", "star", "cross"]
COLOURS = {
    "red": (220, 30, 30),
    "orange": (250, 140, 10),
    "yellow": (245, 225, 30),
    "green": (30, 170, 50),
    "blue": (30, 80, 230),
    "purple": (150, 50, 200),
    "white": (250, 250, 250),
}
COLOUR_NAMES = list(COLOURS)
SIZES = ["small", "big"]
# Row-major over the 3 x 3 grid: index = 3*row + column.
POSITIONS = ["top left", "top", "top right", "left", "center", "right",
             "bottom left", "bottom", "bottom right"]

# Object diameter as a fraction of the smaller side of a grid cell.
SIZE_FRACTION = {"small": 0.7, "big": 0.95}
SUPERSAMPLE = 4
# How far an object's centre may wander inside its cell, as a fraction of
# the room it has there.
JITTER = 0.3


def _inside(shape, u, v):
    """Inside test on coordinates u, v in [-1, 1] (v down)."""
    if shape == "circle":
        return u * u + v * v <= 1.0
    if shape == "square":
        return (np.abs(u) <= 0.82) & (np.abs(v) <= 0.82)
    if shape == "triangle":  # apex up, base at v = 0.8
        return (v <= 0.8) & (np.abs(u) <= (v + 1.0) / 1.8 * 0.95)
    if shape == "cross":  # a plus sign
        return ((np.abs(u) <= 0.3) & (np.abs(v) <= 0.95)) | ((np.abs(v) <= 0.3) & (np.abs(u) <= 0.95))
    if shape == "star":  # five points, apex up
        r = np.hypot(u, v)
        a = np.arctan2(u, -v)  # 0 at the top
        k = np.pi / 5
        t = np.abs(((a + k) % (2 * k)) - k) / k  # 0 at a point, 1 between points
        r_in, r_out = 0.42, 1.0
        # radius of the star outline along angle a (straight edges, approx.)
        edge = r_out * r_in / (r_in + (r_out - r_in) * t)
        return r <= edge
    raise ValueError(shape)


def object_mask(shape, cx, cy, radius, h, w):
    """Coverage in [0, 1] of a shape centred at (cx, cy) px with the given
    radius, on an h x w canvas, as a float32 array."""
    m = np.zeros((h, w), np.float32)
    x0, x1 = max(0, int(np.floor(cx - radius - 1))), min(w, int(np.ceil(cx + radius + 1)))
    y0, y1 = max(0, int(np.floor(cy - radius - 1))), min(h, int(np.ceil(cy + radius + 1)))
    if x0 >= x1 or y0 >= y1:
        return m
    s = SUPERSAMPLE
    xs = (np.arange(x0 * s, x1 * s) + 0.5) / s
    ys = (np.arange(y0 * s, y1 * s) + 0.5) / s
    u = (xs[None, :] - cx) / radius
    v = (ys[:, None] - cy) / radius
    ins = _inside(shape, u, v).astype(np.float32)
    m[y0:y1, x0:x1] = ins.reshape(y1 - y0, s, x1 - x0, s).mean(axis=(1, 3))
    return m


def background(rng, h, w):
    """A noisy textured background of muted colours: sine stripes, checkers
    or blocks over a greyish base, plus pixel noise."""
    base = rng.uniform(60, 150)
    tint = rng.uniform(-25, 25, size=3)
    c1 = np.clip(base + tint, 0, 255)
    c2 = np.clip(c1 + rng.uniform(-35, 35, size=3) * rng.uniform(0.3, 1.0), 0, 255)
    kind = rng.integers(3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:  # sine stripes at an angle
        ang = rng.uniform(0, np.pi)
        freq = rng.uniform(0.15, 0.6)
        t = 0.5 + 0.5 * np.sin((xx * np.cos(ang) + yy * np.sin(ang)) * freq + rng.uniform(0, 6.3))
    elif kind == 1:  # checkers
        cell = rng.integers(3, 9)
        ox, oy = rng.integers(0, cell, size=2)
        t = (((xx + ox) // cell + (yy + oy) // cell) % 2).astype(np.float32)
    else:  # random blocks
        cell = int(rng.integers(4, 12))
        gh, gw = h // cell + 2, w // cell + 2
        blocks = rng.uniform(0, 1, size=(gh, gw)).astype(np.float32)
        oy, ox = rng.integers(0, cell, size=2)
        t = blocks[((yy + oy) // cell).astype(int), ((xx + ox) // cell).astype(int)]
    c1, c2, t = c1.astype(np.float32), c2.astype(np.float32), t.astype(np.float32)
    img = c1[None, None, :] + (c2 - c1)[None, None, :] * t[..., None]
    img += np.float32(rng.uniform(3, 12)) * rng.standard_normal((h, w, 1), dtype=np.float32)  # luminance
    img += np.float32(4) * rng.standard_normal((h, w, 3), dtype=np.float32)
    return img


def random_objects(rng, n, distinct=False):
    """n object descriptions on distinct cells. With distinct, no two share
    a colour or a shape (so a colour+shape label names exactly one)."""
    cells = rng.permutation(9)[:n]
    if distinct:
        cols = rng.permutation(len(COLOUR_NAMES))[:n]
        shps = rng.permutation(len(SHAPES))[:n]
    else:
        cols = rng.integers(len(COLOUR_NAMES), size=n)
        shps = rng.integers(len(SHAPES), size=n)
    return [dict(shape=SHAPES[shps[i]], colour=COLOUR_NAMES[cols[i]],
                 size=SIZES[rng.integers(2)], position=POSITIONS[cells[i]]) for i in range(n)]


def render(rng, objects, h=72, w=72):
    """Draws objects on a fresh background. Returns (uint8 h x w x 3 image,
    float32 [n, h, w] coverage masks). Object geometry (centre jitter inside
    its cell, exact colour) is drawn from rng."""
    img = background(rng, h, w)
    ch, cw = h / 3, w / 3
    cell = min(ch, cw)
    masks = np.zeros((len(objects), h, w), np.float32)
    for i, o in enumerate(objects):
        idx = POSITIONS.index(o["position"])
        r, c = divmod(idx, 3)
        radius = 0.5 * cell * SIZE_FRACTION[o["size"]] * rng.uniform(0.93, 1.07)
        slack_x = max(0.0, cw / 2 - radius - 0.5)
        slack_y = max(0.0, ch / 2 - radius - 0.5)
        cx = (c + 0.5) * cw + rng.uniform(-slack_x, slack_x) * JITTER
        cy = (r + 0.5) * ch + rng.uniform(-slack_y, slack_y) * JITTER
        m = object_mask(o["shape"], cx, cy, radius, h, w)
        masks[i] = m
        col = (np.array(COLOURS[o["colour"]]) + rng.uniform(-12, 12, size=3)).astype(np.float32)
        grad = np.float32(rng.uniform(-0.08, 0.08))
        ys, xs = np.nonzero(m.any(axis=1))[0], np.nonzero(m.any(axis=0))[0]
        if len(ys) == 0:
            continue
        y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
        shade = 1 + grad * (np.arange(y0, y1, dtype=np.float32) - np.float32(cy)) / np.float32(max(radius, 1))
        obj = np.clip(col[None, None, :] * shade[:, None, None], 0, 255)
        obj = obj + np.float32(3) * rng.standard_normal((y1 - y0, x1 - x0, 3), dtype=np.float32)
        mm = m[y0:y1, x0:x1, None]
        img[y0:y1, x0:x1] = img[y0:y1, x0:x1] * (1 - mm) + obj * mm
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), masks


def random_scene(rng, h=72, w=72, n=None, distinct=False, weights=(0.45, 0.35, 0.2)):
    """A scene with n objects (drawn from weights for 1, 2, 3 when None)."""
    if n is None:
        n = int(rng.choice(3, p=np.array(weights) / sum(weights))) + 1
    objs = random_objects(rng, n, distinct)
    img, masks = render(rng, objs, h, w)
    return img, masks, objs
