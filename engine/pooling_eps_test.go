package engine

import (
	"context"
	"math"
	"math/rand"
	"testing"
)

// TestPoolingHeadHonoursLayerNormEps runs a random model whose
// layer_norm_eps is 0.5 (the reference checkpoints use 1e-6, too small for
// a wrong epsilon to show) and recomputes, in float64 from the raw
// checkpoint tensors, the post-layernorm from the captured last hidden
// state and the whole attention-pooling head from the post-layernorm:
// probe → in_proj q/k/v → per-head softmax attention → out_proj →
// LayerNorm(eps) → MLP, added to the attention output. With eps hard-coded
// to 1e-6 in the head this test fails (the normalised values differ by
// tens of percent).
func TestPoolingHeadHonoursLayerNormEps(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"model_type":"siglip",
		"vision_config":{"hidden_size":32,"intermediate_size":48,"num_hidden_layers":2,"num_attention_heads":4,"patch_size":8,"image_size":32,"layer_norm_eps":0.5},
		"text_config":{"hidden_size":32,"intermediate_size":48,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":50,"max_position_embeddings":8,"layer_norm_eps":0.5}}`))
	if err != nil {
		t.Fatal(err)
	}
	const seed = 11
	w := randomWeights64(t, cfg, seed)
	for _, b := range testBackends() {
		t.Run(b.Name(), func(t *testing.T) {
			m, err := NewRandom(cfg, DefaultPreprocessor(cfg), seed, Options{Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			vc := cfg.Vision
			grid := vc.ImageSize / vc.PatchSize
			tokens := grid * grid
			rng := rand.New(rand.NewSource(3))
			patches := make([]float32, tokens*vc.PatchDim())
			for i := range patches {
				patches[i] = float32(rng.NormFloat64())
			}
			out, err := m.EncodeImages(context.Background(), []VisionInput{{Patches: patches, Tokens: tokens, GridH: grid, GridW: grid}}, true)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Internals.Release()
			d := vc.Hidden
			eps := 0.5
			if float64(vc.LayerNormEps) != eps {
				t.Fatalf("config eps %v", vc.LayerNormEps)
			}

			// Post-layernorm, from the last block's output.
			hiddenL, err := out.Internals.HiddenState(vc.Layers, 0)
			if err != nil {
				t.Fatal(err)
			}
			for r := 0; r < tokens; r++ {
				want := layerNorm64(toF64(hiddenL[r*d:(r+1)*d]), w("vision_model.post_layernorm.weight"), w("vision_model.post_layernorm.bias"), eps)
				closeTo(t, "post-layernorm", out.LastHidden[r*d:(r+1)*d], toF32(want), 1e-4, 1e-4, nil)
			}

			// The pooling head, from the post-layernorm.
			x := toF64(out.LastHidden[:tokens*d])
			inW, inB := w("vision_model.head.attention.in_proj_weight"), w("vision_model.head.attention.in_proj_bias")
			q := linear64(w("vision_model.head.probe"), inW[:d*d], inB[:d], d, d)
			k := make([][]float64, tokens)
			v := make([][]float64, tokens)
			for r := 0; r < tokens; r++ {
				k[r] = linear64(x[r*d:(r+1)*d], inW[d*d:2*d*d], inB[d:2*d], d, d)
				v[r] = linear64(x[r*d:(r+1)*d], inW[2*d*d:], inB[2*d:], d, d)
			}
			heads, hd := vc.Heads, d/vc.Heads
			ctx := make([]float64, d)
			for h := 0; h < heads; h++ {
				scores := make([]float64, tokens)
				top := math.Inf(-1)
				for r := range scores {
					for j := h * hd; j < (h+1)*hd; j++ {
						scores[r] += q[j] * k[r][j]
					}
					scores[r] /= math.Sqrt(float64(hd))
					top = math.Max(top, scores[r])
				}
				var sum float64
				for r := range scores {
					scores[r] = math.Exp(scores[r] - top)
					sum += scores[r]
				}
				for r := range scores {
					for j := h * hd; j < (h+1)*hd; j++ {
						ctx[j] += scores[r] / sum * v[r][j]
					}
				}
			}
			attended := linear64(ctx, w("vision_model.head.attention.out_proj.weight"), w("vision_model.head.attention.out_proj.bias"), d, d)
			normed := layerNorm64(attended, w("vision_model.head.layernorm.weight"), w("vision_model.head.layernorm.bias"), eps)
			hidden := linear64(normed, w("vision_model.head.mlp.fc1.weight"), w("vision_model.head.mlp.fc1.bias"), vc.Intermediate, d)
			for i, u := range hidden {
				hidden[i] = 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u)))
			}
			delta := linear64(hidden, w("vision_model.head.mlp.fc2.weight"), w("vision_model.head.mlp.fc2.bias"), d, vc.Intermediate)
			pooled := make([]float64, d)
			for i := range pooled {
				pooled[i] = attended[i] + delta[i]
			}
			closeTo(t, "pooler_output", out.Pooled, toF32(pooled), 1e-4, 1e-4, nil)
		})
	}
}

// linear64 is x·Wᵀ + b for W out×in, in float64.
func linear64(x, wt, b []float64, out, in int) []float64 {
	y := make([]float64, out)
	for o := 0; o < out; o++ {
		s := b[o]
		for i := 0; i < in; i++ {
			s += x[i] * wt[o*in+i]
		}
		y[o] = s
	}
	return y
}

// layerNorm64 normalises x with the biased variance and eps, in float64.
func layerNorm64(x, gain, bias []float64, eps float64) []float64 {
	var mean, variance float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	variance /= float64(len(x))
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = (v-mean)/math.Sqrt(variance+eps)*gain[i] + bias[i]
	}
	return y
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
