package engine

import (
	"testing"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// IndependentEmbedding is forward64 for the external tests (package
// engine_test, which may import the layers above the engine): the image
// embedding of a's image with only the keep patches, computed in float64
// from the raw weights RandomWeights(cfg, seed) draws, the weights a's
// model was built from.
func IndependentEmbedding(t *testing.T, cfg Config, seed int64, a *Analysis, keep []int) []float32 {
	t.Helper()
	w := randomWeights64(t, cfg, seed)
	pos, err := a.Positions()
	if err != nil {
		t.Fatal(err)
	}
	return toF32(forward64(t, w, cfg.Vision, cfg.Variant, a.Prepared.Input.Patches, pos, keep, nil))
}

// randomWeights64 is RandomWeights(cfg, seed) in float64, by name, for the
// independent float64 computations the tests hold the engine against.
func randomWeights64(t *testing.T, cfg Config, seed int64) func(string) []float64 {
	t.Helper()
	raw, err := RandomWeights(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	weights := map[string][]float64{}
	for _, tn := range raw {
		r := tn.Data.(safetensors.Raw)
		f32 := make([]float32, len(r.Bytes)/r.DType.Size())
		if err := safetensors.DecodeFloat32(f32, r.Bytes, r.DType); err != nil {
			t.Fatal(err)
		}
		weights[tn.Name] = toF64(f32)
	}
	return func(n string) []float64 {
		v, ok := weights[n]
		if !ok {
			t.Fatalf("no tensor %s", n)
		}
		return v
	}
}
