package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// modelWithTinyTokenizer copies the reference fixed-res model and the
// hand-built test tokenizer (ids < 1000) into one folder.
func modelWithTinyTokenizer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "reference", "siglip2_fixed")
	for _, f := range []string{"config.json", "preprocessor_config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	b, err := os.ReadFile(filepath.Join("engine", "tokenizer", "testdata", "tiny", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644)
	return dir
}

// TestClassifyEqualsDump: classify's probabilities are what dump gives for
// the same token ids (the ids tokenize prints for the same labels).
func TestClassifyEqualsDump(t *testing.T) {
	model := modelWithTinyTokenizer(t)
	image := filepath.Join("testdata", "reference", "images", "img0_97x61_rgb.png")
	var out, errb bytes.Buffer
	if code := run([]string{"classify", "--model", model, "--labels", "a cat, Dog", "--json", image}, &out, &errb); code != 0 {
		t.Fatalf("classify exit %d: %s", code, errb.String())
	}
	var res struct {
		Results []struct {
			Labels []struct {
				Label, Prompt string
				Probability   float64
				Logit         float64
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("classify --json: %v\n%s", err, out.String())
	}
	got := map[string]float64{}
	for _, l := range res.Results[0].Labels {
		got[l.Label] = l.Probability
		if p := 1 / (1 + math.Exp(-l.Logit)); math.Abs(p-l.Probability) > 1e-6 {
			t.Errorf("%s: probability %v is not sigmoid(logit %v)", l.Label, l.Probability, l.Logit)
		}
	}

	out.Reset()
	if code := run([]string{"tokenize", "--model", model, "a cat", "Dog"}, &out, &errb); code != 0 {
		t.Fatalf("tokenize exit %d: %s", code, errb.String())
	}
	var ids [][]int
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec struct {
			InputIDs []int `json:"input_ids"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.InputIDs)
	}
	dir := t.TempDir()
	js, _ := json.Marshal(ids)
	idsPath := filepath.Join(dir, "ids.json")
	os.WriteFile(idsPath, js, 0o644)
	dumpPath := filepath.Join(dir, "dump.safetensors")
	if code := run([]string{"dump", "--model", model, "--input-ids", idsPath, "-o", dumpPath, image}, &out, &errb); code != 0 {
		t.Fatalf("dump exit %d: %s", code, errb.String())
	}
	f, err := safetensors.Open(dumpPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	probs, _, err := f.Float32("probs_per_image")
	if err != nil {
		t.Fatal(err)
	}
	for i, label := range []string{"a cat", "Dog"} {
		if math.Abs(float64(probs[i])-got[label]) > 1e-6 {
			t.Errorf("%s: classify says %v, dump says %v", label, got[label], probs[i])
		}
	}
}

func TestClassifyTableAndErrors(t *testing.T) {
	model := modelWithTinyTokenizer(t)
	image := filepath.Join("testdata", "reference", "images", "img2_64x64_rgb.png")
	labelsFile := filepath.Join(t.TempDir(), "labels.txt")
	os.WriteFile(labelsFile, []byte("# animals\ncat\n\ndog\nbird\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"classify", "--model", model, "--labels-file", labelsFile, "--top", "2", image}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	if !strings.Contains(text, image) || !strings.Contains(text, "probability") || strings.Count(text, "%") != 2 {
		t.Errorf("table:\n%s", text)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "--model", model, image}, "--labels"},
		{[]string{"classify", "--model", model, "--labels", "cat"}, "IMAGE"},
		{[]string{"classify", "--model", model, "--labels", "cat", "--template", "no placeholder", image}, "{}"},
		{[]string{"classify", "--model", filepath.Join("testdata", "reference", "siglip2_naflex"), "--labels", "cat", image}, "tokenizer"},
	} {
		out.Reset()
		errb.Reset()
		if code := run(c.args, &out, &errb); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error mentioning %q", c.args[1:], code, errb.String(), c.want)
		}
	}
}

// classify --demo scores the built-in scenes with the toy model: every
// scene gets all 35 colour-shape labels, and the single-object scene's best
// label is its object.
func TestClassifyDemo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"classify", "--demo", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc struct{ Results []classifyResult }
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	results := doc.Results
	if len(results) != len(samples.Names()) {
		t.Fatalf("%d results for %d scenes", len(results), len(samples.Names()))
	}
	for _, r := range results {
		if len(r.Labels) != 35 || r.Labels[0].Prompt != r.Labels[0].Label {
			t.Errorf("%s: %d labels, prompt %q for %q", r.Image, len(r.Labels), r.Labels[0].Prompt, r.Labels[0].Label)
		}
		s, _ := samples.Image(r.Image)
		if objects := s.Objects(); len(objects) == 1 && r.Labels[0].Label != objects[0] {
			t.Errorf("%s (%s): best label %q", r.Image, s.Caption, r.Labels[0].Label)
		}
	}
}

// The toy model knows only the words of its captions: a label with any
// other word is marked, and the note says why its score means nothing.
func TestClassifyMarksWordsTheModelCannotKnow(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"classify", "--demo", "--labels", "a cat,a purple cross,a dog", "three-shapes.png"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"a cat ?", "a dog ?", "? cat, dog: words this model never saw"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "a purple cross ?") {
		t.Errorf("a label the toy model knows is marked:\n%s", out)
	}
	stdout.Reset()
	if code := run([]string{"classify", "--demo", "--json", "--labels", "a cat,a purple cross", "three-shapes.png"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--json: exit %d: %s", code, stderr.String())
	}
	var js struct {
		Unknown []string `json:"unknown_words"`
		Results []struct {
			Labels []struct {
				Label   string   `json:"label"`
				Unknown []string `json:"unknown_words"`
			} `json:"labels"`
		} `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Unknown) != 1 || js.Unknown[0] != "cat" {
		t.Errorf("unknown_words %q, want [cat]", js.Unknown)
	}
	for _, l := range js.Results[0].Labels {
		if (l.Label == "a cat") != (len(l.Unknown) == 1) {
			t.Errorf("%s: unknown words %q", l.Label, l.Unknown)
		}
	}
}
