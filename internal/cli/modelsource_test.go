package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/hub"
)

const testCommit = "4bf2c1d0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4"

// miniHub answers resolve requests for one repository like the hub does
// (X-Repo-Commit, ETag, X-Error-Code), without a CDN.
type miniHub struct {
	srv      *httptest.Server
	repo     string
	files    map[string][]byte
	gated    bool
	requests atomic.Int32
}

func newMiniHub(t *testing.T, repo string, files map[string][]byte) *miniHub {
	t.Helper()
	h := &miniHub{repo: repo, files: files}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *miniHub) serve(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	if parts[0]+"/"+parts[1] != h.repo {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.gated {
		w.Header().Set("X-Error-Code", "GatedRepo")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rev, _ := url.PathUnescape(parts[3]); rev != "main" && rev != testCommit {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", testCommit)
	file, _ := url.PathUnescape(parts[4])
	data, ok := h.files[file]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// hubEnv points the hub client at a test server and a fresh cache.
func hubEnv(t *testing.T, endpoint string) string {
	t.Helper()
	cache := t.TempDir()
	t.Setenv("HF_ENDPOINT", endpoint)
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	t.Setenv("TRANSFORMERS_OFFLINE", "")
	return cache
}

func shardedModelFiles() map[string][]byte {
	return map[string][]byte{
		"config.json":              []byte(`{"model_type": "siglip"}`),
		"preprocessor_config.json": []byte(`{"image_mean": [0.5, 0.5, 0.5]}`),
		"tokenizer_config.json":    []byte(`{}`),
		"tokenizer.model":          []byte("spm"),
		"model.safetensors.index.json": []byte(`{"metadata": {}, "weight_map": {
			"a": "model-00001-of-00002.safetensors",
			"b": "model-00002-of-00002.safetensors",
			"c": "model-00001-of-00002.safetensors"}}`),
		"model-00001-of-00002.safetensors": bytes.Repeat([]byte{1}, 5000),
		"model-00002-of-00002.safetensors": bytes.Repeat([]byte{2}, 3000),
		"README.md":                        []byte("not needed"),
	}
}

func TestResolveModelDownloadsWhatTheEngineNeeds(t *testing.T) {
	files := shardedModelFiles()
	h := newMiniHub(t, "google/tiny", files)
	cache := hubEnv(t, h.srv.URL)

	dir, err := resolveModel(context.Background(), "google/tiny", "main", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "models--google--tiny", "snapshots", testCommit); dir != want {
		t.Fatalf("dir = %s, want %s", dir, want)
	}
	for _, name := range []string{"config.json", "preprocessor_config.json", "tokenizer_config.json", "tokenizer.model",
		"model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Errorf("%s: %v (content equal: %v)", name, err, bytes.Equal(got, files[name]))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !os.IsNotExist(err) {
		t.Error("README.md was downloaded although the engine does not need it")
	}
	// Files the repo lacks are remembered the way huggingface_hub does.
	for _, name := range []string{"tokenizer.json", "model.safetensors", "special_tokens_map.json"} {
		if _, err := os.Stat(filepath.Join(cache, "models--google--tiny", ".no_exist", testCommit, name)); err != nil {
			t.Errorf(".no_exist/%s: %v", name, err)
		}
	}

	// Offline, the same folder comes from the cache without a request.
	t.Setenv("HF_HUB_OFFLINE", "1")
	n := h.requests.Load()
	again, err := resolveModel(context.Background(), "google/tiny", "main", nil)
	if err != nil || again != dir {
		t.Fatalf("offline: %s, %v; want %s", again, err, dir)
	}
	if h.requests.Load() != n {
		t.Error("offline resolution made requests")
	}
}

func TestResolveModelNothingCachedSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint, offline, says string
	}{
		{"offline", "http://127.0.0.1:1", "1", "HF_HUB_OFFLINE"},
		{"hub unreachable", "http://127.0.0.1:1", "", "could not be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := hubEnv(t, tc.endpoint)
			t.Setenv("HF_HUB_OFFLINE", tc.offline)
			_, err := resolveModel(context.Background(), "", "", nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, s := range []string{defaultModel, cache, tc.says, "--model DIR", "--demo"} {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not name %q", msg, s)
				}
			}
			if strings.Contains(strings.TrimSuffix(msg, "."), ". ") || strings.Contains(msg, "\n") {
				t.Errorf("message %q should be one sentence", msg)
			}
		})
	}
}

func TestResolveModelHubErrors(t *testing.T) {
	h := newMiniHub(t, "google/tiny", shardedModelFiles())
	hubEnv(t, h.srv.URL)
	for _, tc := range []struct {
		id, rev string
		is      error
		says    []string
	}{
		{"google/nope", "main", hub.ErrRepoNotFound, []string{"google/nope", "not found", "siglip2-tui models"}},
		{"google/tiny", "v7", hub.ErrRevisionNotFound, []string{`"v7"`, "--revision"}},
	} {
		_, err := resolveModel(context.Background(), tc.id, tc.rev, nil)
		if !errors.Is(err, tc.is) {
			t.Errorf("%s@%s: %v, want %v", tc.id, tc.rev, err, tc.is)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s@%s: %q does not say %q", tc.id, tc.rev, err, s)
			}
		}
	}
	h.gated = true
	_, err := resolveModel(context.Background(), "google/tiny", "main", nil)
	if !errors.Is(err, hub.ErrGated) || !strings.Contains(err.Error(), "HF_TOKEN") || !strings.Contains(err.Error(), "licence") {
		t.Errorf("gated: %v", err)
	}
}

func TestResolveModelLocalFolder(t *testing.T) {
	hubEnv(t, "http://127.0.0.1:1")
	t.Setenv("HF_HUB_OFFLINE", "1")
	root := t.TempDir()
	mk := func(dir string, files ...string) string {
		p := filepath.Join(root, dir)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			content := "{}"
			if f == "model.safetensors.index.json" {
				content = `{"weight_map": {"x": "part-1.safetensors", "y": "part-2.safetensors"}}`
			}
			if err := os.WriteFile(filepath.Join(p, f), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	whole := mk("whole", "config.json", "model.safetensors", "tokenizer.json")
	sharded := mk("sharded", "config.json", "model.safetensors.index.json", "part-1.safetensors", "part-2.safetensors")
	noConfig := mk("noconfig", "model.safetensors")
	noWeights := mk("noweights", "config.json")
	missingShard := mk("missingshard", "config.json", "model.safetensors.index.json", "part-1.safetensors")
	loop := filepath.Join(root, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		arg, rev, want string
		says           []string
		usage          bool
	}{
		{arg: whole, want: whole},
		{arg: sharded, want: sharded},
		{arg: noConfig, says: []string{"no config.json", "--model DIR needs"}},
		{arg: noWeights, says: []string{"no model.safetensors", "--model DIR needs"}},
		{arg: missingShard, says: []string{"part-2.safetensors"}},
		{arg: whole, rev: "v2", says: []string{"--revision v2", "local folder"}, usage: true},
		{arg: filepath.Join(root, "absent"), says: []string{"no such folder"}, usage: true},
		{arg: "./absent", says: []string{"no such folder"}, usage: true},
		{arg: loop, says: []string{"symlink loop"}, usage: true},
		{arg: "not an id!", says: []string{"neither a folder nor a hub id"}, usage: true},
	} {
		rev := tc.rev
		if rev == "" {
			rev = "main"
		}
		got, err := resolveModel(context.Background(), tc.arg, rev, nil)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: %q, %v; want %q", tc.arg, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.arg)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tc.arg, err, s)
			}
		}
		if errors.Is(err, errUsage) != tc.usage {
			t.Errorf("%s: usage error = %v, want %v", tc.arg, errors.Is(err, errUsage), tc.usage)
		}
	}
}

func TestReadShardListRejectsUnsafeNames(t *testing.T) {
	dir := t.TempDir()
	for name, ok := range map[string]bool{
		"model-00001-of-00002.safetensors": true,
		"sub/model.safetensors":            true,
		"../model.safetensors":             false,
		"/etc/passwd":                      false,
		`sub\model.safetensors`:            false,
		"":                                 false,
	} {
		p := filepath.Join(dir, "index.json")
		os.WriteFile(p, []byte(`{"weight_map": {"w": `+strconv.Quote(name)+`}}`), 0o644)
		_, err := readShardList(p)
		if (err == nil) != ok {
			t.Errorf("shard %q: err = %v, want ok=%v", name, err, ok)
		}
	}
}
