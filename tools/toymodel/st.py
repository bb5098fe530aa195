"""Minimal safetensors reader and writer (the format's whole spec: an 8-byte
little-endian header length, a JSON header of name -> dtype/shape/offsets,
then the raw little-endian tensor bytes). Debian's python3 has no
`safetensors` package, and this is all the project needs."""

import json
import struct

import numpy as np
import torch

_NP = {
    "F32": np.float32, "F16": np.float16, "F64": np.float64,
    "I64": np.int64, "I32": np.int32, "U8": np.uint8, "I8": np.int8,
}
_NAME = {np.dtype(v): k for k, v in _NP.items()}


def load(path):
    """Returns ({name: numpy array}, metadata dict). BF16 is widened to F32."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        raw = data[base + lo:base + hi]
        if info["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(_NP[info["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(info["shape"]).copy()
    return out, meta


def load_torch(path):
    """Like load, but every tensor as a torch tensor."""
    arrs, meta = load(path)
    return {k: torch.from_numpy(v) for k, v in arrs.items()}, meta


def save(path, tensors, metadata=None):
    """Writes {name: numpy array or torch tensor} sorted by name, as
    Hugging Face's save_pretrained does (names sorted, 8-byte aligned)."""
    items = []
    for name in sorted(tensors):
        v = tensors[name]
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu().contiguous().numpy()
        v = np.ascontiguousarray(v)
        items.append((name, v))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, v in items:
        nbytes = v.nbytes
        header[name] = {"dtype": _NAME[v.dtype], "shape": list(v.shape),
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for _, v in items:
            f.write(v.astype(v.dtype.newbyteorder("<"), copy=False).tobytes())
