#!/usr/bin/python3
"""Generate resize_cases.bin.gz: Pillow 9.4 Image.resize outputs for many cases.

Run with Debian's /usr/bin/python3 (Pillow 9.4.0, numpy 1.24.2) from this folder:

    /usr/bin/python3 gen_resize.py

Source images are not stored: they are synthesised from (kind, seed, width,
height) by synth() below, which preprocess/resize_test.go reimplements
(integer arithmetic only, so both sides agree exactly).

File format (all integers little-endian), gzip-compressed:
    magic  b"PILRSZ1\\n"
    u32    number of cases
    per case:
        u8  kind   (0 noise, 1 structured, 2 blocks, 3 flat)
        u32 seed
        u32 src_w, u32 src_h, u32 dst_w, u32 dst_h
        u8  filter (PIL resample code)
        u8  storage: 0 = dst_w*dst_h*3 bytes of PIL's output (RGB, row-major)
                     follow; 1 = only its 32-byte SHA-256 follows (outputs
                     over FULL_LIMIT bytes, to keep the file small)
"""
import gzip
import hashlib
import random
import struct

import numpy as np
from PIL import Image, __version__ as PIL_VERSION

assert PIL_VERSION == "9.4.0", PIL_VERSION

FULL_LIMIT = 24000


def mix64(v):
    """splitmix64 finaliser on a uint64 numpy array (wrapping arithmetic)."""
    v = v.astype(np.uint64)
    with np.errstate(over="ignore"):
        v = v + np.uint64(0x9E3779B97F4A7C15)
        v = (v ^ (v >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        v = (v ^ (v >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        v = v ^ (v >> np.uint64(31))
    return v


def synth(kind, seed, w, h):
    """Deterministic RGB test image (h, w, 3) uint8; mirrored in resize_test.go."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    if kind == 0:  # noise: byte i of the image = low byte of mix64(seed<<32 | i)
        idx = np.arange(w * h * 3, dtype=np.uint64) + (np.uint64(seed) << np.uint64(32))
        return (mix64(idx) & np.uint64(0xFF)).astype(np.uint8).reshape(h, w, 3)
    if kind == 1:  # structured: gradient, checkerboard with hard 0/255 edges, rings
        r = (x * 7 + y * 3 + seed) % 256
        g = ((x // 5 + y // 3 + seed) % 2) * 255
        b = np.where((x * x + y * y + seed) % 97 < 40, 255, 0)
        return np.stack([r, g, b], axis=-1).astype(np.uint8)
    if kind == 2:  # blocks: 8x8 cells of random colour (sharp edges, all values)
        cell = (y // 8) * 4096 + (x // 8)
        base = (np.uint64(seed) << np.uint64(32)) + (cell.astype(np.uint64) * np.uint64(3))
        out = np.stack([mix64(base + np.uint64(c)) & np.uint64(0xFF) for c in range(3)], axis=-1)
        return out.astype(np.uint8)
    if kind == 3:  # flat colour
        out = np.zeros((h, w, 3), dtype=np.uint8)
        out[...] = [seed % 256, (seed >> 8) % 256, (seed >> 16) % 256]
        return out
    raise ValueError(kind)


def main():
    rng = random.Random(20250407)
    cases = []
    BIL, BIC = 2, 3
    # Structured edge cases, both main filters.
    shapes = [
        ((1, 1), (1, 1)), ((1, 1), (5, 3)), ((1, 500), (1, 20)), ((1, 500), (3, 7)),
        ((500, 1), (20, 1)), ((7, 200), (16, 16)), ((200, 7), (16, 16)), ((7, 200), (64, 64)),
        ((300, 3), (30, 30)), ((3, 300), (2, 40)), ((3, 3), (500, 2)), ((2, 2), (3, 3)),
        ((640, 480), (224, 224)), ((97, 61), (64, 64)), ((40, 120), (64, 64)),
        ((53, 37), (64, 64)), ((64, 64), (64, 64)), ((64, 64), (64, 32)), ((64, 64), (32, 64)),
        ((100, 100), (99, 101)), ((100, 100), (3, 200)), ((31, 17), (256, 256)),
        ((257, 129), (128, 64)), ((1000, 10), (384, 16)), ((10, 1000), (16, 384)),
        ((5, 5), (1, 1)), ((123, 77), (1, 1)), ((2, 1), (1, 1)), ((1, 2), (1, 3)),
    ]
    for (sw, sh), (dw, dh) in shapes:
        for flt in (BIL, BIC):
            cases.append((1, 7, sw, sh, dw, dh, flt))
            if sw * sh <= 40000 and dw * dh <= 5000:
                cases.append((0, 11, sw, sh, dw, dh, flt))
    # Saturation: hard black/white blocks make bicubic overshoot both ways.
    for flt in (BIL, BIC, 1, 4, 5, 0):
        cases.append((2, 3, 61, 47, 29, 93, flt))
        cases.append((2, 4, 16, 16, 50, 7, flt))
        cases.append((1, 5, 90, 33, 45, 66, flt))
        cases.append((3, 0x123456, 20, 10, 7, 31, flt))
    # Random sizes, up and down, mixed.
    for i in range(220):
        sw, sh = rng.randint(1, 260), rng.randint(1, 260)
        if rng.random() < 0.2:
            sw = rng.randint(1, 4)
        if rng.random() < 0.2:
            sh = rng.randint(1, 4)
        dw, dh = rng.randint(1, 72), rng.randint(1, 72)
        flt = rng.choice([BIL, BIC, BIL, BIC, 0, 1, 4, 5])
        kind = rng.choice([0, 1, 2])
        cases.append((kind, rng.randint(0, 2**31), sw, sh, dw, dh, flt))

    out = bytearray(b"PILRSZ1\n")
    out += struct.pack("<I", len(cases))
    total = 0
    for kind, seed, sw, sh, dw, dh, flt in cases:
        src = Image.fromarray(synth(kind, seed, sw, sh), mode="RGB")
        res = np.asarray(src.resize((dw, dh), resample=flt), dtype=np.uint8)
        assert res.shape == (dh, dw, 3), res.shape
        out += struct.pack("<BIIIIIB", kind, seed, sw, sh, dw, dh, flt)
        if res.size > FULL_LIMIT:
            out += b"\x01" + hashlib.sha256(res.tobytes()).digest()
        else:
            out += b"\x00" + res.tobytes()
        total += res.size
    with open("resize_cases.bin.gz", "wb") as f:
        f.write(gzip.compress(bytes(out), 9, mtime=0))
    print(f"{len(cases)} cases, {total} output bytes")


if __name__ == "__main__":
    main()
