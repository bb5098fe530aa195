"""Cross-check the Go hub client against Python's huggingface_hub.

Run by TestInteropWithPythonHuggingfaceHub (hub/interop_test.go) when
HUB_INTEROP_PYTHON names a Python that can import huggingface_hub; the
environment (HF_ENDPOINT, HF_HUB_CACHE, HF_HUB_OFFLINE) is set by the test
before this starts, because huggingface_hub reads it at import time.

    hub_interop.py download REPO REVISION FILE...   fetch through hf_hub_download
    hub_interop.py lookup REPO REVISION FILE...     read the cache only

Prints one JSON object: for each file, {"path": ..., "sha256": ...},
{"missing": true} for a file known not to exist, or {"error": "..."}.
"""

import hashlib
import json
import sys

import huggingface_hub
from huggingface_hub import hf_hub_download, try_to_load_from_cache
from huggingface_hub.file_download import _CACHED_NO_EXIST

try:
    from huggingface_hub.errors import EntryNotFoundError
except ImportError:  # older releases
    from huggingface_hub.utils import EntryNotFoundError


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    mode, repo, revision, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    out = {"version": huggingface_hub.__version__}
    for name in files:
        try:
            if mode == "download":
                path = hf_hub_download(repo, name, revision=revision)
                out[name] = {"path": path, "sha256": digest(path)}
            elif mode == "lookup":
                found = try_to_load_from_cache(repo, name, revision=revision)
                if found is _CACHED_NO_EXIST:
                    out[name] = {"missing": True}
                elif found is None:
                    out[name] = {"error": "not cached"}
                else:
                    path = hf_hub_download(repo, name, revision=revision, local_files_only=True)
                    if path != found:
                        out[name] = {"error": f"try_to_load_from_cache gave {found}, hf_hub_download {path}"}
                    else:
                        out[name] = {"path": path, "sha256": digest(path)}
            else:
                raise SystemExit(f"unknown mode {mode}")
        except EntryNotFoundError:
            out[name] = {"missing": True}
        except Exception as e:  # reported to the Go test
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
