package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/inspect"
)

// runJSON runs a command and decodes its JSON output into v.
func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stdout.String())
	}
}

// TestWordsEqualsClassify: the logit of the label and of each shortened
// label is what classify gives for them, run separately with the same
// prompt options, and each delta is the difference of classify's logits.
func TestWordsEqualsClassify(t *testing.T) {
	image := filepath.Join("testdata", "reference", "images", "img0_97x61_rgb.png")
	cases := []struct {
		name  string
		src   []string // model and prompt flags, shared by both commands
		label string
		image string
	}{
		{"toy model, bare labels", []string{"--demo"}, "a big purple cross at the top left", "three-shapes.png"},
		{"toy model, template", []string{"--demo", "--template", "there is {} here"}, "a yellow  triangle", "three-shapes.png"},
		{"default template", []string{"--model", modelWithTinyTokenizer(t)}, "a cat at a cab", image},
		{"case kept", []string{"--model", modelWithTinyTokenizer(t), "--no-lowercase"}, "A cat at a Cab", image},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w struct {
				Label, Prompt string
				Logit         float32
				Words         []struct {
					Word, Without string
					Logit, Delta  float32
				}
			}
			args := append(append([]string{"words", "--device", "naive", "--json", "--label", c.label}, c.src...), c.image)
			runJSON(t, &w, args...)
			words := strings.Fields(c.label)
			if w.Label != c.label || len(w.Words) != len(words) {
				t.Fatalf("label %q with %d words, want %q with %d", w.Label, len(w.Words), c.label, len(words))
			}
			labels := []string{c.label}
			for i, x := range w.Words {
				want := strings.Join(append(append([]string{}, words[:i]...), words[i+1:]...), " ")
				if x.Word != words[i] || x.Without != want {
					t.Errorf("word %d: %q without → %q, want %q → %q", i, x.Word, x.Without, words[i], want)
				}
				labels = append(labels, x.Without)
			}
			var cl struct {
				Results []struct {
					Labels []struct {
						Label string
						Logit float32
					}
				}
			}
			runJSON(t, &cl, append(append([]string{"classify", "--device", "naive", "--json", "--labels", strings.Join(labels, ",")}, c.src...), c.image)...)
			logit := map[string]float32{}
			for _, l := range cl.Results[0].Labels {
				logit[l.Label] = l.Logit
			}
			full, ok := logit[c.label]
			if !ok || w.Logit != full {
				t.Fatalf("full label: words %v, classify %v (%v)", w.Logit, full, logit)
			}
			nonzero := 0
			for _, x := range w.Words {
				got, ok := logit[x.Without]
				if !ok || x.Logit != got || x.Delta != got-full {
					t.Errorf("without %q: logit %v delta %v; classify %v − %v = %v", x.Word, x.Logit, x.Delta, got, full, got-full)
				}
				if x.Delta != 0 {
					nonzero++
				}
			}
			if nonzero == 0 {
				t.Error("every delta is 0")
			}
		})
	}
}

func TestWordsTextAndErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"words", "--demo", "--device", "naive", "--template", "{}", "--label", "a purple cross"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"a purple cross: logit", "purple", "a cross", "delta"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	ref := filepath.Join("testdata", "reference")
	img := filepath.Join(ref, "images", "img2_64x64_rgb.png")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{img}, 2, "--label"},
		{[]string{"--model", filepath.Join(ref, "siglip2_naflex"), "--label", "a cat", img}, 1, "no tokenizer"},
		{[]string{"--demo", "--label", "a cat", "--max-patches", "-1"}, 2, "--max-patches"},
		{[]string{"--demo", "--label", "a cat", "nope.png"}, 1, "built-in scene"},
	}
	for _, c := range cases {
		stdout.Reset()
		stderr.Reset()
		code := run(append([]string{"words", "--device", "naive"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}

// A lint reaches the JSON: upper case kept with lower-casing off.
func TestWordsLints(t *testing.T) {
	var w struct {
		Lints []inspect.Lint
	}
	runJSON(t, &w, "words", "--device", "naive", "--json", "--demo", "--no-lowercase", "--label", "a Purple cross")
	if len(w.Lints) != 1 || w.Lints[0].Kind != "case" {
		t.Errorf("lints %+v, want one about case", w.Lints)
	}
}

// TestTextAttentionEqualsDump: the text tower view's attention of the
// pooled position is, for every layer and head, the last row of the
// text.attentions.L that dump writes for the same ids.
func TestTextAttentionEqualsDump(t *testing.T) {
	dir := modelWithTinyTokenizer(t)
	m, err := engine.Load(dir, engine.Options{Backend: naive.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	v, err := inspect.AnalyzeText(context.Background(), m, "a cat at a cab", inspect.TextOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Length != 64 || v.Prompt != "this is a photo of a cat at a cab." {
		t.Fatalf("length %d, prompt %q", v.Length, v.Prompt)
	}
	js, _ := json.Marshal([][]int{v.IDs})
	idsPath, out := filepath.Join(t.TempDir(), "ids.json"), filepath.Join(t.TempDir(), "dump.safetensors")
	if err := os.WriteFile(idsPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join("testdata", "reference", "images", "img2_64x64_rgb.png")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dump", "--device", "naive", "--model", dir, "--input-ids", idsPath, "-o", out, img}, &stdout, &stderr); code != 0 {
		t.Fatalf("dump: exit %d: %s", code, stderr.String())
	}
	f, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := v.Length
	for l := 1; l <= v.Layers; l++ {
		attn, info, err := f.Float32(fmt.Sprintf("text.attentions.%d", l-1))
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Shape) != 4 || info.Shape[1] != v.Heads || info.Shape[2] != n {
			t.Fatalf("text.attentions.%d shape %v", l-1, info.Shape)
		}
		for h := range v.Heads {
			got := v.HeadAttention(l, h)
			for k := range n {
				if want := attn[(h*n+n-1)*n+k]; got[k] != want {
					t.Fatalf("layer %d head %d token %d: view %v, dump %v", l, h+1, k, got[k], want)
				}
			}
		}
	}
}
