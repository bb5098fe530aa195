package main

import (
	"math"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
)

func TestDemoModelAndImage(t *testing.T) {
	m, err := demoModel(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Tokenizer == nil || m.Config.Variant.String() != "NaFlex" {
		t.Fatalf("demo model: tokenizer %v, variant %v", m.Tokenizer, m.Config.Variant)
	}
	// One token per character, space as ▁, anything else as bytes.
	ids := m.Tokenizer.Encode("a b")
	pieces, _ := m.Tokenizer.Pieces(ids)
	if len(pieces) != 3 || pieces[0] != "a" || pieces[1] != "▁" || pieces[2] != "b" {
		t.Errorf("pieces of %q: %q", "a b", pieces)
	}
	if p, _ := m.Tokenizer.Pieces(m.Tokenizer.Encode("é")); len(p) != 2 || p[0] != "<0xC3>" {
		t.Errorf("byte fallback: %q", p)
	}
	img := demoImage()
	a, err := m.Analyze(img, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	if a.Valid() > 256 || a.Valid() < 200 {
		t.Errorf("demo image gives %d patches, want close to the 256 budget", a.Valid())
	}
	labels, _, err := m.EncodeLabels(demoLabels, engine.PromptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scores, err := m.ScoreLabels(a.ImageEmbedding(), labels)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range scores {
		if math.IsNaN(float64(s.Logit)) {
			t.Errorf("label %q: NaN", demoLabels[i])
		}
	}
	if labels[0].Embed[0] == labels[1].Embed[0] {
		t.Error("different labels got the same embedding")
	}
	// The picture has parts: sky, sun, house, tree, hills.
	colours := map[[3]uint8]bool{}
	for i := 0; i < len(img.Pix); i += 3 {
		colours[[3]uint8{img.Pix[i] / 32, img.Pix[i+1] / 32, img.Pix[i+2] / 32}] = true
	}
	if len(colours) < 10 {
		t.Errorf("demo picture has only %d colour groups", len(colours))
	}
}
