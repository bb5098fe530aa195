package engine_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/inspect"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// A deletion and an insertion curve (inspect's probes, on the naive
// backend) point by point against the independent float64 forward run on
// the kept patches only, on a padded NaFlex configuration made here: the
// ranking, the steps and the dropped sets are redone by hand.
func TestCurveMatchesAnIndependentForward(t *testing.T) {
	cfg, err := engine.ParseConfig([]byte(`{"model_type":"siglip2",
		"vision_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":2,"num_attention_heads":4,"num_patches":16,"patch_size":4},
		"text_config":{"hidden_size":32,"intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":30,"max_position_embeddings":8}}`))
	if err != nil {
		t.Fatal(err)
	}
	const seed = 11
	pre := engine.DefaultPreprocessor(cfg)
	pre.MaxNumPatches = 14 // padding rows past the valid patches
	m, err := engine.NewRandom(cfg, pre, seed, engine.Options{Backend: naive.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	img, _ := preprocess.NewImage(23, 11)
	for i := range img.Pix {
		img.Pix[i] = uint8(i*29 + i/7)
	}
	ctx := context.Background()
	a, err := m.Analyze(ctx, img, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	txt, err := m.EncodeTexts(ctx, [][]int{{3, 7, 12, 1, 0, 0, 0, 0}}, false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := inspect.NewProbe(a, "ids", txt.Embeds)
	if err != nil {
		t.Fatal(err)
	}
	n := a.Valid()
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(math.Cos(float64(i)*2.3 + 0.4))
	}
	cs, err := p.MeasureCurves(ctx, []inspect.RankedMap{{Name: "cosine", Values: vals}}, 5, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := make([]int, n) // patches by value, highest first
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		if vals[x] > vals[y] {
			return -1
		}
		return 1
	})
	logit := func(embed []float32) float64 {
		var dot float64
		for i := range embed {
			dot += float64(embed[i]) * float64(txt.Embeds[i])
		}
		return dot*math.Exp(float64(m.LogitScale)) + float64(m.LogitBias)
	}
	for _, c := range cs.Curves {
		for i, k := range c.Patches {
			keep := slices.Clone(order[k:]) // deletion: the top k dropped
			if c.Kind == inspect.Insertion {
				keep = slices.Clone(order[:k]) // insertion: only the top k kept
			}
			slices.Sort(keep)
			want := logit(engine.IndependentEmbedding(t, cfg, seed, a, keep))
			if math.Abs(c.Logit[i]-want) > 1e-3+1e-4*math.Abs(want) {
				t.Errorf("%v point %d (%d patches): logit %v, independent forward %v", c.Kind, i, k, c.Logit[i], want)
			}
		}
	}
	if len(cs.Curves) != 2 || cs.Curves[0].Patches[0] != 0 || cs.Curves[1].Patches[len(cs.Curves[1].Patches)-1] != n {
		t.Fatalf("curves %+v", cs.Curves)
	}
}
