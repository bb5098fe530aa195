package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pyResult is one file's entry in hub_interop.py's output.
type pyResult struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256"`
	Missing bool   `json:"missing"`
	Error   string `json:"error"`
}

// runPython runs testdata/hub_interop.py with the cache and endpoint given.
func runPython(t *testing.T, python string, env []string, args ...string) map[string]pyResult {
	t.Helper()
	cmd := exec.Command(python, append([]string{filepath.Join("testdata", "hub_interop.py")}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python %v: %v\n%s", args, err, stderr.String())
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	res := map[string]pyResult{}
	for k, v := range raw {
		if k == "version" {
			t.Logf("huggingface_hub %s", v)
			continue
		}
		var r pyResult
		json.Unmarshal(v, &r)
		res[k] = r
	}
	return res
}

// TestInteropWithPythonHuggingfaceHub checks, in both directions, that a
// cache written by one program is read by the other, and that Python
// resumes a download this package left unfinished. It needs a Python with
// huggingface_hub, named by HUB_INTEROP_PYTHON (e.g. a checkout on
// PYTHONPATH); without it the test is skipped.
func TestInteropWithPythonHuggingfaceHub(t *testing.T) {
	python := os.Getenv("HUB_INTEROP_PYTHON")
	if python == "" {
		t.Skip("set HUB_INTEROP_PYTHON to a python that can import huggingface_hub")
	}
	f := newFakeHub(t)
	standardRepo(f)
	files := []string{"config.json", "model.safetensors", "tokenizer.json"}
	want := map[string]string{"config.json": sha256Hex(configJSON), "model.safetensors": sha256Hex(weights)}
	envFor := func(cache string, offline bool) []string {
		e := []string{"HF_ENDPOINT=" + f.hub.URL, "HF_HUB_CACHE=" + cache, "HF_TOKEN=", "HF_HUB_DISABLE_PROGRESS_BARS=1", "HF_HUB_DISABLE_TELEMETRY=1"}
		if offline {
			e = append(e, "HF_HUB_OFFLINE=1")
		}
		return e
	}

	t.Run("Go reads what Python wrote", func(t *testing.T) {
		cache := t.TempDir()
		res := runPython(t, python, envFor(cache, false), append([]string{"download", repoID, "main"}, files...)...)
		if !res["tokenizer.json"].Missing {
			t.Fatalf("python: %+v", res)
		}
		c := New(Config{Endpoint: "http://127.0.0.1:1", CacheDir: cache, Offline: true})
		for name, sum := range want {
			if res[name].SHA256 != sum {
				t.Fatalf("python downloaded %s: %+v", name, res[name])
			}
			got, err := c.Download(context.Background(), repoID, "main", name)
			if err != nil {
				t.Fatalf("Go offline on Python's cache: %v", err)
			}
			if got.Path != res[name].Path || sha256Hex(readAll(t, got.Path)) != sum {
				t.Errorf("%s: Go found %s, Python wrote %s", name, got.Path, res[name].Path)
			}
		}
		if _, err := c.Download(context.Background(), repoID, "main", "tokenizer.json"); !errors.Is(err, ErrEntryNotFound) {
			t.Errorf("Python's .no_exist marker not honoured: %v", err)
		}
	})

	t.Run("Python reads what Go wrote", func(t *testing.T) {
		c := testClient(t, f, "")
		for _, name := range files {
			c.Download(context.Background(), repoID, "main", name)
		}
		for _, rev := range []string{"main", commitA} {
			res := runPython(t, python, envFor(c.Cache.Dir, true), append([]string{"lookup", repoID, rev}, files...)...)
			for name, sum := range want {
				if res[name].SHA256 != sum {
					t.Errorf("Python offline at %s, %s: %+v", rev, name, res[name])
				}
			}
			if !res["tokenizer.json"].Missing {
				t.Errorf("Python did not see Go's .no_exist marker at %s: %+v", rev, res["tokenizer.json"])
			}
		}
	})

	t.Run("Python resumes Go's partial download", func(t *testing.T) {
		sum := sha256Hex(weights)
		release := make(chan struct{})
		defer close(release)
		f.mu.Lock()
		f.hang[sum] = release
		f.mu.Unlock()
		c := testClient(t, f, "")
		ctx, cancel := context.WithCancel(context.Background())
		c.Progress = &progressLog{onUpdate: func(done, total int64) {
			if done >= total/2 {
				cancel()
			}
		}}
		if _, err := c.Download(ctx, repoID, "main", "model.safetensors"); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancel: %v", err)
		}
		n := len(f.seen("cdn"))
		res := runPython(t, python, envFor(c.Cache.Dir, false), "download", repoID, "main", "model.safetensors")
		if res["model.safetensors"].SHA256 != sum {
			t.Fatalf("python: %+v", res)
		}
		cdn := f.seen("cdn")[n:]
		if len(cdn) != 1 || cdn[0].rangeHeader != "bytes=150000-" {
			t.Logf("Python did not resume from Go's .incomplete (this huggingface_hub writes per-process temporary files): %+v", cdn)
		}
	})
}
