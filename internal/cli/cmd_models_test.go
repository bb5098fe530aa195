package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cacheSnapshot writes a snapshot the way huggingface_hub lays it out:
// blobs, relative links from snapshots/<commit>, and refs/<ref>.
func cacheSnapshot(t *testing.T, cache, id, commit, ref string, files map[string]string) {
	t.Helper()
	repo := filepath.Join(cache, "models--"+strings.ReplaceAll(id, "/", "--"))
	for name, content := range files {
		blob := filepath.Join(repo, "blobs", commit[:8]+strings.ReplaceAll(name, ".", "_"))
		snap := filepath.Join(repo, "snapshots", commit, name)
		for _, d := range []string{filepath.Dir(blob), filepath.Dir(snap)} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(blob, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Dir(snap), blob)
		if err := os.Symlink(rel, snap); err != nil {
			t.Fatal(err)
		}
	}
	if ref != "" {
		os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
		if err := os.WriteFile(filepath.Join(repo, "refs", ref), []byte(commit), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestModelsListsCatalogueAndCache(t *testing.T) {
	cache := hubEnv(t, "http://127.0.0.1:1")
	full := map[string]string{"config.json": `{"model_type": "siglip"}`, "model.safetensors": "WWWW", "tokenizer.json": "{}"}
	cacheSnapshot(t, cache, defaultModel, testCommit, "main", full)
	cacheSnapshot(t, cache, "google/siglip2-so400m-patch16-naflex", "aaaaaaa111111111111111111111111111111111", "", map[string]string{"config.json": "{}"})
	cacheSnapshot(t, cache, "someone/siglip2-finetune", "bbbbbbb222222222222222222222222222222222", "main", map[string]string{"config.json": `{"model_type": "siglip2"}`})
	cacheSnapshot(t, cache, "someone/bert", "ccccccc333333333333333333333333333333333", "main", map[string]string{"config.json": `{"model_type": "bert"}`})

	var out, errOut bytes.Buffer
	if err := runModels(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, c := range siglip2Checkpoints {
		if !strings.Contains(text, c.id) {
			t.Errorf("output lacks %s", c.id)
		}
	}
	lineOf := func(id string) string {
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, id+" ") {
				return l
			}
		}
		return ""
	}
	if l := lineOf(defaultModel); !strings.HasPrefix(l, "* ") || !strings.Contains(l, "main 4bf2c1d") || strings.Contains(l, "partial") ||
		!strings.Contains(l, "375M") || !strings.Contains(l, "1.5 GB") || !strings.Contains(l, "224×224") {
		t.Errorf("default line %q", l)
	}
	if l := lineOf("google/siglip2-so400m-patch16-naflex"); !strings.Contains(l, "aaaaaaa (partial)") || !strings.Contains(l, "NaFlex") {
		t.Errorf("naflex line %q", l)
	}
	if l := lineOf("google/siglip2-large-patch16-256"); !strings.HasSuffix(strings.TrimSpace(l), "-") {
		t.Errorf("uncached line %q should end with -", l)
	}
	if !strings.Contains(text, "Other SigLIP models in the cache:") || !strings.Contains(text, "someone/siglip2-finetune") {
		t.Errorf("fine-tuned SigLIP in the cache not listed:\n%s", text)
	}
	if strings.Contains(text, "someone/bert") {
		t.Error("a non-SigLIP model was listed")
	}
	if !strings.Contains(text, "Cache: "+cache) {
		t.Errorf("cache folder not shown:\n%s", text)
	}

	out.Reset()
	if err := runModels(context.Background(), []string{"--cached"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "siglip2-large-patch16-256") || !strings.Contains(out.String(), defaultModel) {
		t.Errorf("--cached output:\n%s", out.String())
	}
	if err := runModels(context.Background(), []string{"extra"}, &out, &errOut); !errors.Is(err, errUsage) {
		t.Errorf("extra argument: %v, want a usage error", err)
	}
}
