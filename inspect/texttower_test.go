package inspect

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine"
)

// The tiny test model reads 8 tokens; its tokenizer knows a, b, c, t and
// a few merges ("ca", "at", "▁a", "▁c", "ab").
func TestAnalyzeTextFraming(t *testing.T) {
	bare := engine.PromptOptions{Template: "{}"}
	cases := []struct {
		label    string
		o        TextOptions
		prompt   string
		ids      []int
		pieces   []string
		eos, raw int
		cut      bool
		lints    []string
		lintSays string
	}{
		{label: "a b c", o: TextOptions{Prompt: bare}, prompt: "a b c", ids: []int{14, 13, 15, 25, 1, 0, 0, 0},
			pieces: []string{"a", "▁", "b", "▁c", "<eos>", "<pad>", "<pad>", "<pad>"}, eos: 4, raw: 4},
		{label: "A b C", o: TextOptions{Prompt: bare}, prompt: "a b c", ids: []int{14, 13, 15, 25, 1, 0, 0, 0},
			pieces: []string{"a", "▁", "b", "▁c", "<eos>", "<pad>", "<pad>", "<pad>"}, eos: 4, raw: 4},
		// 17 tokens: the first 7 and <eos> are read, the rest cut; "the"
		// has letters the tokenizer cannot read.
		{label: "a cat at a cat at the cab", o: TextOptions{Prompt: bare}, prompt: "a cat at a cat at the cab",
			ids: []int{14, 13, 22, 17, 20, 17, 20, 1}, eos: 7, raw: 17, cut: true, lints: []string{"cut", "unknown"}, lintSays: "17 tokens"},
		{label: "Cat", o: TextOptions{Prompt: engine.PromptOptions{Template: "{}", KeepCase: true}}, prompt: "Cat",
			eos: 2, raw: 2, lints: []string{"case"}, lintSays: "drop --no-lowercase"},
		{label: "cat", o: TextOptions{Prompt: bare, ExpectTemplate: true}, prompt: "cat", ids: []int{22, 17, 1, 0, 0, 0, 0, 0},
			eos: 2, raw: 2, lints: []string{"template"}, lintSays: "this is a photo of {}."},
		{label: "cat", o: TextOptions{Prompt: engine.PromptOptions{Template: "a {}"}, ExpectTemplate: true}, prompt: "a cat",
			eos: 4, raw: 4},
		{label: "A cab", o: TextOptions{Prompt: engine.PromptOptions{Template: "a {}"}}, prompt: "a a cab",
			eos: 4, raw: 4, lints: []string{"template-twice"}, lintSays: `"a a cab"`},
	}
	m := testModel(t)
	for _, c := range cases {
		v, err := AnalyzeText(context.Background(), m, c.label, c.o)
		if err != nil {
			t.Fatalf("%q: %v", c.label, err)
		}
		if v.Prompt != c.prompt || v.EOS != c.eos || v.RawTokens != c.raw || v.Length != 8 || len(v.IDs) != 8 || len(v.Pieces) != 8 {
			t.Errorf("%q: prompt %q, eos %d, raw %d, length %d; want %q, %d, %d, 8", c.label, v.Prompt, v.EOS, v.RawTokens, v.Length, c.prompt, c.eos, c.raw)
		}
		if c.ids != nil && !slices.Equal(v.IDs, c.ids) {
			t.Errorf("%q: ids %v, want %v", c.label, v.IDs, c.ids)
		}
		if c.pieces != nil && !slices.Equal(v.Pieces, c.pieces) {
			t.Errorf("%q: pieces %q, want %q", c.label, v.Pieces, c.pieces)
		}
		if v.IDs[v.EOS] != m.Tokenizer.EOSID() || v.Pads() != 8-v.EOS-1 || v.Pooled() != 7 {
			t.Errorf("%q: <eos> not at %d, or %d pads", c.label, v.EOS, v.Pads())
		}
		if (v.CutText != "") != c.cut {
			t.Errorf("%q: cut text %q", c.label, v.CutText)
		}
		var kinds []string
		all := ""
		for _, l := range v.Lints {
			kinds = append(kinds, l.Kind)
			all += l.Text
		}
		if !slices.Equal(kinds, c.lints) && !(len(kinds) == 0 && len(c.lints) == 0) {
			t.Errorf("%q: lints %q, want %q: %s", c.label, kinds, c.lints, all)
		}
		if !strings.Contains(all, c.lintSays) {
			t.Errorf("%q: lints %q do not say %q", c.label, all, c.lintSays)
		}
	}
}

// The pooled position's attention equals row Length−1 of every head of
// the text tower's captured attention, read here from an independent pass;
// each row sums to 1 (the text tower has no mask: padding counts), and
// the mean over heads is their average.
func TestAnalyzeTextAttention(t *testing.T) {
	m := testModel(t)
	v, err := AnalyzeText(context.Background(), m, "a b c", TextOptions{Prompt: engine.PromptOptions{Template: "{}"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.EncodeTexts(context.Background(), [][]int{v.IDs}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Internals.Release()
	n := v.Length
	if v.Layers != m.Config.Text.Layers || len(v.Attention) != v.Layers || v.Heads != m.Config.Text.Heads {
		t.Fatalf("%d layers × %d heads, want %d × %d", len(v.Attention), v.Heads, m.Config.Text.Layers, m.Config.Text.Heads)
	}
	for l := 1; l <= v.Layers; l++ {
		attn, err := out.Internals.Attention(l-1, 0)
		if err != nil {
			t.Fatal(err)
		}
		mean := make([]float64, n)
		for h := range v.Heads {
			got := v.HeadAttention(l, h)
			var sum float64
			for k := range n {
				want := attn[h*n*n+(n-1)*n+k]
				if got[k] != want {
					t.Fatalf("layer %d head %d token %d: %v, captured %v", l, h+1, k, got[k], want)
				}
				sum += float64(got[k])
				mean[k] += float64(got[k]) / float64(v.Heads)
			}
			if !closeTo(sum, 1, 1e-5, 0) {
				t.Errorf("layer %d head %d: attention sums to %v", l, h+1, sum)
			}
		}
		for k, got := range v.HeadAttention(l, -1) {
			if !closeTo(float64(got), mean[k], 1e-6, 1e-6) {
				t.Errorf("layer %d: mean at %d = %v, want %v", l, k, got, mean[k])
			}
		}
	}
}

func TestAnalyzeTextWithoutTokenizer(t *testing.T) {
	m := loadReferenceModel(t, "siglip2_fixed")
	if _, err := AnalyzeText(context.Background(), m, "a cat", TextOptions{}); err == nil || !strings.Contains(err.Error(), "no tokenizer") {
		t.Errorf("err = %v, want one saying the model has no tokenizer", err)
	}
}
