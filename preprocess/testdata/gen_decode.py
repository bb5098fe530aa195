#!/usr/bin/python3
"""Generate decode test files and what Pillow 9.4 makes of them.

Run with Debian's /usr/bin/python3 (Pillow 9.4.0, numpy 1.24.2) from this folder:

    /usr/bin/python3 gen_decode.py

Writes decode/<name> (small images in many formats, colour types and bit
depths; some built byte by byte so that every PNG/TIFF/GIF variant occurs)
and decode_expected.json.gz, a list of records:

    {"file": name, "width": w, "height": h, "pil_mode": mode Pillow opened,
     "rgb": base64 of PIL's Image.open(f) → ImageOps.exif_transpose →
            convert("RGB") (what transformers' load_image does; for TIFF
            without exif_transpose, see below), HWC bytes,
     "exact": true when our decoder must match byte for byte; false for
              lossy formats whose decoders legitimately differ (libjpeg's
              IDCT vs Go's), where the test bounds the difference instead}
"""
import base64
import gzip
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps, __version__ as PIL_VERSION

assert PIL_VERSION == "9.4.0", PIL_VERSION

OUT = "decode"
W, H = 23, 17  # odd sizes exercise row padding and chroma edges


def pattern(w=W, h=H, seed=0):
    """A deterministic RGB pattern with gradients and hard edges."""
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 11 + y * 5 + seed) % 256
    g = (x * y * 3 + 40 + seed) % 256
    b = np.where((x // 4 + y // 3) % 2 == 0, 250, 10)
    return np.stack([r, g, b], -1).astype(np.uint8)


def alpha(w=W, h=H):
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 13 + y * 29) % 256).astype(np.uint8)


# ---------------------------------------------------------------- PNG writer
def png_chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_rows(samples, depth):
    """samples: (h, w*channels) ints -> filtered (type 0) scanlines."""
    raw = bytearray()
    for row in samples:
        raw.append(0)
        if depth == 16:
            raw += b"".join(struct.pack(">H", int(v)) for v in row)
        elif depth == 8:
            raw += bytes(int(v) for v in row)
        else:
            per = 8 // depth
            for i in range(0, len(row), per):
                byte = 0
                for j in range(per):
                    v = int(row[i + j]) if i + j < len(row) else 0
                    byte |= v << (8 - depth * (j + 1))
                raw.append(byte)
    return bytes(raw)


def write_png(name, samples, w, h, depth, ctype, plte=None, trns=None):
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    if plte is not None:
        data += png_chunk(b"PLTE", bytes(plte))
    if trns is not None:
        data += png_chunk(b"tRNS", trns)
    data += png_chunk(b"IDAT", zlib.compress(pack_rows(samples, depth), 9))
    data += png_chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def png_cases():
    p = pattern().astype(np.int64)
    a = alpha().astype(np.int64)
    grey = (p[..., 0] + p[..., 1]) // 2
    y, x = np.mgrid[0:H, 0:W]
    write_png("rgb8.png", p.reshape(H, -1), W, H, 8, 2)
    write_png("rgba8.png", np.concatenate([p, a[..., None]], -1).reshape(H, -1), W, H, 8, 6)
    write_png("grey8.png", grey, W, H, 8, 0)
    write_png("greya8.png", np.stack([grey, a], -1).reshape(H, -1), W, H, 8, 4)
    for d in (1, 2, 4):
        write_png(f"grey{d}.png", (x + y) % (1 << d), W, H, d, 0)
        pal = [v for i in range(1 << d) for v in (i * 40 % 256, 255 - i * 30 % 256, i * 70 % 256)]
        write_png(f"pal{d}.png", (x * 3 + y) % (1 << d), W, H, d, 3, plte=pal)
    pal = [v for i in range(256) for v in ((i * 7) % 256, (i * 13 + 5) % 256, 255 - i)]
    idx = (x * 9 + y * 4) % 256
    write_png("pal8.png", idx, W, H, 8, 3, plte=pal)
    write_png("pal8_trns.png", idx, W, H, 8, 3, plte=pal, trns=bytes((i * 37) % 256 for i in range(100)))
    # PLTE shorter than the indices used: out-of-range indices.
    write_png("pal8_short.png", (x + y) % 12, W, H, 8, 3, plte=pal[: 3 * 5])
    write_png("grey8_trns.png", grey, W, H, 8, 0, trns=struct.pack(">H", int(grey[3, 4])))
    write_png("rgb8_trns.png", p.reshape(H, -1), W, H, 8, 2, trns=struct.pack(">HHH", *[int(v) for v in p[2, 2]]))
    g16 = (x * 2900 + y * 3100) % 65536
    g16[0, :6] = [0, 1, 255, 256, 1000, 65535]
    write_png("grey16.png", g16, W, H, 16, 0)
    write_png("grey16_small.png", g16 % 256, W, H, 16, 0)  # all values < 256
    write_png("grey16_trns.png", g16, W, H, 16, 0, trns=struct.pack(">H", int(g16[1, 1])))
    a16 = (x * 5000 + y * 77) % 65536
    write_png("greya16.png", np.stack([g16, a16], -1).reshape(H, -1), W, H, 16, 4)
    p16 = np.stack([(x * 3001 + 17) % 65536, (y * 4099 + 5) % 65536, (x * y * 999) % 65536], -1)
    write_png("rgb16.png", p16.reshape(H, -1), W, H, 16, 2)
    write_png("rgba16.png", np.concatenate([p16, a16[..., None]], -1).reshape(H, -1), W, H, 16, 6)
    write_png("rgb16_trns.png", p16.reshape(H, -1), W, H, 16, 2, trns=struct.pack(">HHH", *[int(v) for v in p16[0, 0]]))


# --------------------------------------------------------------- TIFF writer
def write_tiff(name, data, w, h, spp, bps, photometric, extra=None, colormap=None):
    """Minimal little-endian, uncompressed, single-strip TIFF."""
    entries = []

    def tag(t, typ, vals):
        entries.append((t, typ, vals))

    SHORT, LONG = 3, 4
    tag(256, LONG, [w])
    tag(257, LONG, [h])
    tag(258, SHORT, [bps] * spp)
    tag(259, SHORT, [1])
    tag(262, SHORT, [photometric])
    tag(273, LONG, [0])  # patched below
    tag(277, SHORT, [spp])
    tag(278, LONG, [h])
    tag(279, LONG, [len(data)])
    if colormap is not None:
        tag(320, SHORT, colormap)
    if extra is not None:
        tag(338, SHORT, [extra])
    entries.sort()
    n = len(entries)
    ifd_off = 8
    ext_off = ifd_off + 2 + 12 * n + 4
    ext = bytearray()
    body = bytearray()
    strip_entry = None
    for t, typ, vals in entries:
        size = 2 if typ == SHORT else 4
        fmt = "<H" if typ == SHORT else "<I"
        payload = b"".join(struct.pack(fmt, v) for v in vals)
        if len(payload) <= 4:
            field = payload.ljust(4, b"\0")
        else:
            field = struct.pack("<I", ext_off + len(ext))
            ext += payload
            if len(ext) % 2:
                ext += b"\0"
        if t == 273:
            strip_entry = len(body) + 8
        body += struct.pack("<HHI", t, typ, len(vals)) + field
    data_off = ext_off + len(ext)
    body[strip_entry : strip_entry + 4] = struct.pack("<I", data_off)
    out = b"II*\0" + struct.pack("<I", ifd_off) + struct.pack("<H", n) + bytes(body) + b"\0\0\0\0" + bytes(ext) + data
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(out)


def tiff_cases():
    p = pattern()
    a = alpha()
    # associated (premultiplied) alpha: store c*a/255
    pm = (p.astype(np.int64) * a[..., None].astype(np.int64) // 255).astype(np.uint8)
    write_tiff("rgba8_assoc.tif", np.concatenate([pm, a[..., None]], -1).tobytes(), W, H, 4, 8, 2, extra=1)
    write_tiff("rgba8_unassoc.tif", np.concatenate([p, a[..., None]], -1).tobytes(), W, H, 4, 8, 2, extra=2)
    y, x = np.mgrid[0:H, 0:W]
    p16 = np.stack([(x * 3001 + 17) % 65536, (y * 4099 + 5) % 65536, (x * y * 999) % 65536], -1)
    write_tiff("rgb16.tif", p16.astype("<u2").tobytes(), W, H, 3, 16, 2)
    g16 = ((x * 2900 + y * 3100) % 65536).astype("<u2")
    write_tiff("grey16.tif", g16.tobytes(), W, H, 1, 16, 1)
    write_tiff("grey8_whiteiszero.tif", ((x * 11 + y) % 256).astype(np.uint8).tobytes(), W, H, 1, 8, 0)
    cmap = [((i * 997) % 65536) for i in range(256)] + [((i * 331) % 65536) for i in range(256)] + [65535 - i * 256 for i in range(256)]
    write_tiff("pal8.tif", ((x * 9 + y * 4) % 256).astype(np.uint8).tobytes(), W, H, 1, 8, 3, colormap=cmap)


# ----------------------------------------------------------------- GIF edits
def gif_cases():
    p = pattern()
    pim = Image.fromarray(p).quantize(colors=50, dither=Image.Dither.NONE)
    pim.save(os.path.join(OUT, "pal.gif"))
    pim.save(os.path.join(OUT, "pal_trns.gif"), transparency=3)
    # Frame smaller than the logical screen, at an offset: enlarge the
    # screen in the header and move the image descriptor.
    for name, trns in (("offset.gif", None), ("offset_trns.gif", 7)):
        b = io.BytesIO()
        kw = {} if trns is None else {"transparency": trns}
        pim.save(b, format="GIF", **kw)
        g = bytearray(b.getvalue())
        g[6:10] = struct.pack("<HH", W + 9, H + 5)
        i = 13 + (3 << ((g[10] & 7) + 1) if g[10] & 0x80 else 0)
        while g[i] == 0x21:  # skip extensions
            i += 2
            while g[i]:
                i += g[i] + 1
            i += 1
        assert g[i] == 0x2C
        g[i + 1 : i + 5] = struct.pack("<HH", 4, 3)
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(g)
    Image.fromarray(pattern()[..., 1]).save(os.path.join(OUT, "grey.gif"))


def pil_cases():
    p = pattern()
    a = alpha()
    rgba = Image.fromarray(np.concatenate([p, a[..., None]], -1), "RGBA")
    rgb = Image.fromarray(p, "RGB")
    grey = rgb.convert("L")
    rgb.save(os.path.join(OUT, "rgb24.bmp"))
    rgba.save(os.path.join(OUT, "rgba32.bmp"))
    rgb.quantize(colors=40, dither=Image.Dither.NONE).save(os.path.join(OUT, "pal8.bmp"))
    grey.save(os.path.join(OUT, "grey8.bmp"))
    grey.point(lambda v: 255 if v > 120 else 0).convert("1").save(os.path.join(OUT, "bw1.bmp"))
    for comp in ("raw", "tiff_lzw", "tiff_adobe_deflate", "packbits"):
        rgb.save(os.path.join(OUT, f"rgb8_{comp}.tif"), compression=comp)
    rgba.save(os.path.join(OUT, "rgba8_pil.tif"))
    grey.save(os.path.join(OUT, "grey8.tif"))
    rgb.quantize(colors=40, dither=Image.Dither.NONE).save(os.path.join(OUT, "pal8_pil.tif"))
    rgb.save(os.path.join(OUT, "rgb_lossless.webp"), lossless=True)
    rgba.save(os.path.join(OUT, "rgba_lossless.webp"), lossless=True, exact=True)
    rgb.save(os.path.join(OUT, "rgb_lossy.webp"), quality=80)
    rgba.save(os.path.join(OUT, "rgba_lossy.webp"), quality=80)
    big = Image.fromarray(pattern(64, 48, 3))
    for ss, tag in ((2, "420"), (1, "422"), (0, "444")):
        big.save(os.path.join(OUT, f"photo_{tag}.jpg"), quality=90, subsampling=ss)
    big.convert("L").save(os.path.join(OUT, "photo_grey.jpg"), quality=90)
    big.convert("CMYK").save(os.path.join(OUT, "photo_cmyk.jpg"), quality=95)
    rgb.save(os.path.join(OUT, "odd_420.jpg"), quality=90, subsampling=2)
    big.save(os.path.join(OUT, "photo_progressive.jpg"), quality=85, progressive=True)
    # High-frequency content stresses the IDCT differences most.
    noise = np.random.RandomState(5).randint(0, 256, (40, 56, 3)).astype(np.uint8)
    for q in (30, 75, 97):
        Image.fromarray(noise).save(os.path.join(OUT, f"noise_q{q}.jpg"), quality=q)


def exif_bytes(orientation, big_endian=False):
    bo = ">" if big_endian else "<"
    tiff = (b"MM" if big_endian else b"II") + struct.pack(bo + "HI", 42, 8)
    tiff += struct.pack(bo + "H", 1) + struct.pack(bo + "HHI", 0x0112, 3, 1) + struct.pack(bo + "HH", orientation, 0)
    tiff += struct.pack(bo + "I", 0)
    return b"Exif\0\0" + tiff


def orientation_cases():
    """4:4:4 q100 JPEGs made of flat 8x8 blocks (DC only), so every decoder
    reconstructs them identically; oriented 1..8 by EXIF."""
    bw, bh = 4, 3
    cells = np.zeros((bh * 8, bw * 8, 3), np.uint8)
    for j in range(bh):
        for i in range(bw):
            cells[j * 8 : (j + 1) * 8, i * 8 : (i + 1) * 8] = [(i * 60 + 20) % 256, (j * 90 + 30) % 256, ((i + j) * 40 + 50) % 256]
    im = Image.fromarray(cells)
    for o in range(1, 9):
        im.save(os.path.join(OUT, f"orient{o}.jpg"), quality=100, subsampling=0, exif=exif_bytes(o, big_endian=(o % 2 == 0)))
    # XMP-only orientation in a JPEG: splice an APP1 XMP segment after SOI.
    # Pillow 9.4 ignores JPEG XMP, so this one stays unrotated.
    b = io.BytesIO()
    im.save(b, format="JPEG", quality=100, subsampling=0)
    xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description tiff:Orientation=\"6\"/></x:xmpmeta>"
    seg = b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
    with open(os.path.join(OUT, "orient_xmp6.jpg"), "wb") as f:
        f.write(b.getvalue()[:2] + seg + b.getvalue()[2:])
    # Other formats: exif_transpose (what transformers' load_image calls)
    # rotates them too.
    lossless = Image.fromarray(pattern(7, 4, 9))
    for o in (2, 6, 7):
        lossless.save(os.path.join(OUT, f"orient{o}.png"), exif=exif_bytes(o))
        lossless.save(os.path.join(OUT, f"orient{o}.webp"), lossless=True, exif=exif_bytes(o))
        lossless.save(os.path.join(OUT, f"orient{o}.tif"), tiffinfo={274: o})
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta><tiff:Orientation>8</tiff:Orientation></x:xmpmeta>', zip=True)
    lossless.save(os.path.join(OUT, "orient_xmp8.png"), pnginfo=info)


def main():
    os.makedirs(OUT, exist_ok=True)
    png_cases()
    tiff_cases()
    gif_cases()
    pil_cases()
    orientation_cases()
    records = []
    for name in sorted(os.listdir(OUT)):
        im = Image.open(os.path.join(OUT, name))
        mode = im.mode
        if not name.endswith(".tif"):
            im = ImageOps.exif_transpose(im)
        # TIFF: Pillow 9.4 applies the Orientation tag itself on load, and
        # exif_transpose would apply it a second time (a Pillow bug); the
        # expectation is the upright image Image.open(f) gives.
        rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
        lossy = name.endswith(".jpg") and not name.startswith("orient")
        records.append({
            "file": name, "width": rgb.shape[1], "height": rgb.shape[0], "pil_mode": mode,
            "rgb": base64.b64encode(rgb.tobytes()).decode(), "exact": not lossy,
        })
        print(f"{name:28s} {mode:6s} {rgb.shape[1]}x{rgb.shape[0]}")
    with open("decode_expected.json.gz", "wb") as f:
        f.write(gzip.compress(json.dumps(records, indent=0).encode(), 9, mtime=0))


if __name__ == "__main__":
    main()
