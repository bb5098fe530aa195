package engine

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// withTinyTokenizer copies a reference model and the hand-built test
// tokenizer (all ids < 1000, the reference vocabulary) into one folder.
func withTinyTokenizer(t *testing.T, model string) string {
	t.Helper()
	dir := copyModel(t, model)
	b, err := os.ReadFile(filepath.Join("tokenizer", "testdata", "tiny", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestEncodeLabelsMatchesTextTowerAndCaches(t *testing.T) {
	m, err := Load(withTinyTokenizer(t, "siglip2_fixed"), Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	labels, _, err := m.EncodeLabels(context.Background(), []string{"A Cat", "dog"}, PromptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if labels[0].Prompt != "this is a photo of a cat." {
		t.Errorf("prompt = %q", labels[0].Prompt)
	}
	if len(labels[0].IDs) != m.Config.Text.MaxPositions {
		t.Errorf("%d ids, want %d", len(labels[0].IDs), m.Config.Text.MaxPositions)
	}
	direct, err := m.EncodeTexts(context.Background(), [][]int{labels[0].IDs, labels[1].IDs}, false)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Config.Text.ProjectionSize
	for i, l := range labels {
		for k := range l.Embed {
			if l.Embed[k] != direct.Embeds[i*d+k] {
				t.Fatalf("label %d embedding differs from the text tower's", i)
			}
		}
	}
	// Encoding again hits the cache: the very same slice comes back.
	again, _, err := m.EncodeLabels(context.Background(), []string{"dog", "a cat"}, PromptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if &again[0].Embed[0] != &labels[1].Embed[0] || &again[1].Embed[0] != &labels[0].Embed[0] {
		t.Error("cached labels were encoded again")
	}
	keep, _, _ := m.EncodeLabels(context.Background(), []string{"A Cat"}, PromptOptions{KeepCase: true, Template: "{}"})
	if keep[0].Prompt != "A Cat" {
		t.Errorf("KeepCase prompt = %q", keep[0].Prompt)
	}
	scores, err := m.ScoreLabels(direct.Embeds[:d], labels)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range scores {
		if p := 1 / (1 + math.Exp(-float64(s.Logit))); math.Abs(p-float64(s.Prob)) > 1e-6 {
			t.Errorf("score %d: prob %v is not sigmoid(%v)", i, s.Prob, s.Logit)
		}
	}
}

func TestLabelsNeedATokenizer(t *testing.T) {
	m := loadReference(t, "siglip2_fixed", cpuBackend)
	if _, _, err := m.EncodeLabels(context.Background(), []string{"cat"}, PromptOptions{}); err == nil {
		t.Fatal("encoding labels without a tokenizer succeeded")
	}
	if err := m.CanEncodeText(); err == nil || !strings.Contains(err.Error(), "no tokenizer.json") {
		t.Errorf("CanEncodeText = %v", err)
	}
}

// A tokenizer this engine cannot read (here a Unigram tokenizer.json, as
// T5-style checkpoints ship) leaves the model vision only, saying why; a
// broken file that is read is no reason to refuse the images.
func TestUnsupportedTokenizerLoadsVisionOnly(t *testing.T) {
	dir := withTinyTokenizer(t, "siglip2_naflex")
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{"model":{"type":"Unigram","vocab":[["a",0.0]]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(dir, Options{Backend: cpuBackend})
	if err != nil {
		t.Fatalf("a model with an unsupported tokenizer did not load: %v", err)
	}
	defer m.Close()
	if m.Tokenizer != nil || m.TokenizerErr == nil {
		t.Fatalf("tokenizer %v, error %v", m.Tokenizer, m.TokenizerErr)
	}
	_, _, err = m.EncodeLabels(context.Background(), []string{"cat"}, PromptOptions{})
	if err == nil || !strings.Contains(err.Error(), "not one this program reads") || !strings.Contains(err.Error(), "BPE") {
		t.Errorf("EncodeLabels: %v", err)
	}
	good, err := Load(withTinyTokenizer(t, "siglip2_naflex"), Options{Backend: cpuBackend})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if err := good.CanEncodeText(); err != nil || good.TokenizerErr != nil {
		t.Errorf("with the tiny tokenizer: %v", err)
	}
}

// With a single valid patch the pooling head can attend only to it, so the
// image embedding must equal that patch's pooled-on-its-own embedding: an
// independent check of PatchEmbeddings (and so of label maps).
func TestPatchEmbeddingOfSinglePatchImage(t *testing.T) {
	m := loadReference(t, "siglip2_naflex", cpuBackend)
	pd := m.Config.Vision.PatchDim()
	in := VisionInput{Patches: make([]float32, 4*pd), Tokens: 4, GridH: 1, GridW: 1}
	for i := 0; i < pd; i++ {
		in.Patches[i] = float32(math.Sin(float64(i) * 0.37))
	}
	out, err := m.EncodeImages(context.Background(), []VisionInput{in}, false)
	if err != nil {
		t.Fatal(err)
	}
	pe, err := m.PatchEmbeddings(out, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, "single-patch embedding", pe, out.Embeds, 1e-5, 1e-5, nil)
}

func TestAnalysis(t *testing.T) {
	m := loadReference(t, "siglip2_naflex", cpuBackend)
	img, err := preprocess.Load(filepath.Join(referenceDir, "images", "img0_97x61_rgb.png"), preprocess.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Analyze(context.Background(), img, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	if r, c := a.Grid(); r != 3 || c != 5 || a.Valid() != 15 || a.Tokens() != 16 {
		t.Fatalf("grid %dx%d valid %d tokens %d, want 3x5, 15, 16", r, c, a.Valid(), a.Tokens())
	}
	if a.FeatureLevels() != m.Config.Vision.Layers+2 || a.FeatureLevelName(0) != "embeddings" || a.FeatureLevelName(a.FeatureLevels()-1) != "final LayerNorm" || a.FeatureLevelName(2) != "block 2" {
		t.Errorf("feature levels %d, names %q / %q", a.FeatureLevels(), a.FeatureLevelName(0), a.FeatureLevelName(a.FeatureLevels()-1))
	}
	// The analysis of image 0 equals the batch golden's image 0.
	g := openGolden(t, "naflex_mnp16.safetensors")
	d := a.Hidden()
	for level := 0; level <= m.Config.Vision.Layers; level++ {
		f, err := a.Features(level)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := g.floats("vision.hidden_states." + string(rune('0'+level)))
		closeTo(t, a.FeatureLevelName(level), f, want[:a.Valid()*d], tolAbs, tolRel, nil)
	}
	last, _ := a.Features(a.FeatureLevels() - 1)
	want, _ := g.floats("vision.last_hidden_state")
	closeTo(t, "post-LN features", last, want[:a.Valid()*d], tolAbs, tolRel, nil)
	if _, err := a.Features(a.FeatureLevels()); err == nil {
		t.Error("a level past the last was accepted")
	}
	pool, err := a.PoolingAttention()
	if err != nil {
		t.Fatal(err)
	}
	for h := 0; h < a.Heads(); h++ {
		var sum float64
		for k, p := range pool[h*a.Tokens() : (h+1)*a.Tokens()] {
			if k >= a.Valid() && p != 0 {
				t.Errorf("head %d: padding key %d has pooling attention %v", h, k, p)
			}
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("head %d: pooling attention sums to %v", h, sum)
		}
	}
	// A label map scored with the image's own embedding as the "label":
	// every patch gets cos·scale + bias with cos ≤ 1.
	lm, err := a.LabelMap(a.ImageEmbedding())
	if err != nil {
		t.Fatal(err)
	}
	pe, _ := a.PatchEmbeddings()
	scale := math.Exp(float64(m.LogitScale))
	for p, v := range lm {
		var dot float64
		for k := 0; k < d; k++ {
			dot += float64(pe[p*d+k]) * float64(a.ImageEmbedding()[k])
		}
		if want := dot*scale + float64(m.LogitBias); math.Abs(float64(v)-want) > 1e-4 {
			t.Errorf("label map patch %d = %v, want %v", p, v, want)
		}
	}
}
