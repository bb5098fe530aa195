package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// probeCase is one case of testdata/reference/goldens/probes.json.
type probeCase struct {
	Model         string      `json:"model"`
	MaxNumPatches int         `json:"max_num_patches"`
	Image         string      `json:"image"`
	InputIDs      []int       `json:"input_ids"`
	BaseLogit     float64     `json:"base_logit"`
	Grid          [2]int      `json:"grid"`
	Occlusion     [][]float64 `json:"occlusion"`
	Heads         [][]float64 `json:"heads"`
}

// logitOf is the logit of an image embedding against a text embedding.
func logitOf(t *testing.T, m *Model, image, text []float32) float64 {
	t.Helper()
	l, err := m.Logits(image, text)
	if err != nil {
		t.Fatal(err)
	}
	return float64(l[0])
}

// TestAblationsMatchTransformers compares dropped patches and silenced
// heads with transformers' own numbers (probes.json: the key masked in
// every layer and the pooling head, a head's context slice zeroed), on
// both reference models, on the reference backend and the CPU backend.
func TestAblationsMatchTransformers(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(referenceDir, "goldens", "probes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct{ Cases []probeCase }
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for _, b := range testBackends() {
		for _, c := range golden.Cases {
			t.Run(fmt.Sprintf("%s/%s/%s", b.Name(), c.Model, filepath.Base(c.Image)), func(t *testing.T) {
				m := loadReference(t, c.Model, b)
				img, err := preprocess.Load(filepath.Join(referenceDir, c.Image), preprocess.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				a, err := m.Analyze(context.Background(), img, c.MaxNumPatches)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Release()
				if rows, cols := a.Grid(); rows != c.Grid[0] || cols != c.Grid[1] {
					t.Fatalf("grid %d×%d, golden %v", rows, cols, c.Grid)
				}
				txt, err := m.EncodeTexts(context.Background(), [][]int{c.InputIDs}, false)
				if err != nil {
					t.Fatal(err)
				}
				tol := func(got, want float64) bool { return math.Abs(got-want) <= 5e-4+1e-4*math.Abs(want) }
				base := logitOf(t, m, a.ImageEmbedding(), txt.Embeds)
				if !tol(base, c.BaseLogit) {
					t.Fatalf("base logit %v, transformers %v", base, c.BaseLogit)
				}
				var abls []Ablation
				for p := range a.Valid() {
					abls = append(abls, Ablation{Drop: []int{p}})
				}
				for l := range a.Layers() {
					for h := range a.Heads() {
						abls = append(abls, Ablation{Silence: []HeadRef{{Block: l, Head: h}}})
					}
				}
				res, err := a.Ablate(context.Background(), abls, AblateOptions{Batch: 5})
				if err != nil {
					t.Fatal(err)
				}
				_, cols := a.Grid()
				for p := range a.Valid() {
					got := logitOf(t, m, res[p].Embed, txt.Embeds) - base
					if want := c.Occlusion[p/cols][p%cols]; !tol(got, want) {
						t.Errorf("patch (%d,%d) dropped: delta %v, transformers %v", p/cols, p%cols, got, want)
					}
				}
				for l := range a.Layers() {
					for h := range a.Heads() {
						r := res[a.Valid()+l*a.Heads()+h]
						got := logitOf(t, m, r.Embed, txt.Embeds) - base
						if want := c.Heads[l][h]; !tol(got, want) {
							t.Errorf("head %d of block %d silenced: delta %v, transformers %v", h+1, l+1, got, want)
						}
					}
				}
			})
		}
	}
}

// forward64 is an independent, slow vision tower in float64, written from
// the raw checkpoint tensors: patch embedding, positions, pre-LN blocks
// (attention over the kept tokens only; the silenced head's context
// zeroed), the final LayerNorm and the MAP head over the kept tokens. It
// returns the L2-normalised image embedding.
func forward64(t *testing.T, w func(string) []float64, vc VisionConfig, variant Variant, patches, positions []float32, keep []int, silence *HeadRef) []float64 {
	t.Helper()
	d, hd, heads, eps := vc.Hidden, vc.HeadDim(), vc.Heads, float64(vc.LayerNormEps)
	pd := vc.PatchDim()
	pw := w("vision_model.embeddings.patch_embedding.weight")
	if variant == FixedRes { // Conv2d (out, channel, py, px) → (out, (py, px, channel))
		p, ch := vc.PatchSize, vc.Channels
		re := make([]float64, len(pw))
		for o := range d {
			for c := range ch {
				for py := range p {
					for px := range p {
						re[o*pd+(py*p+px)*ch+c] = pw[((o*ch+c)*p+py)*p+px]
					}
				}
			}
		}
		pw = re
	}
	n := len(keep)
	x := make([][]float64, n)
	for i, p := range keep {
		x[i] = linear64(toF64(patches[p*pd:(p+1)*pd]), pw, w("vision_model.embeddings.patch_embedding.bias"), d, pd)
		for j := range d {
			x[i][j] += float64(positions[p*d+j])
		}
	}
	gelu := func(u float64) float64 { return 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u))) }
	attend := func(q []float64, k, v [][]float64, h int) []float64 {
		scores := make([]float64, len(k))
		top := math.Inf(-1)
		for r := range k {
			for j := h * hd; j < (h+1)*hd; j++ {
				scores[r] += q[j] * k[r][j]
			}
			scores[r] *= float64(headScale(hd))
			top = math.Max(top, scores[r])
		}
		var sum float64
		for r := range scores {
			scores[r] = math.Exp(scores[r] - top)
			sum += scores[r]
		}
		out := make([]float64, hd)
		for r := range k {
			for j := range hd {
				out[j] += scores[r] / sum * v[r][h*hd+j]
			}
		}
		return out
	}
	for l := range vc.Layers {
		pre := fmt.Sprintf("vision_model.encoder.layers.%d.", l)
		q, k, v := make([][]float64, n), make([][]float64, n), make([][]float64, n)
		for i := range n {
			h := layerNorm64(x[i], w(pre+"layer_norm1.weight"), w(pre+"layer_norm1.bias"), eps)
			q[i] = linear64(h, w(pre+"self_attn.q_proj.weight"), w(pre+"self_attn.q_proj.bias"), d, d)
			k[i] = linear64(h, w(pre+"self_attn.k_proj.weight"), w(pre+"self_attn.k_proj.bias"), d, d)
			v[i] = linear64(h, w(pre+"self_attn.v_proj.weight"), w(pre+"self_attn.v_proj.bias"), d, d)
		}
		next := make([][]float64, n)
		for i := range n {
			ctx := make([]float64, d)
			for h := range heads {
				if silence != nil && silence.Block == l && silence.Head == h {
					continue
				}
				copy(ctx[h*hd:], attend(q[i], k, v, h))
			}
			o := linear64(ctx, w(pre+"self_attn.out_proj.weight"), w(pre+"self_attn.out_proj.bias"), d, d)
			r := make([]float64, d)
			for j := range d {
				r[j] = x[i][j] + o[j]
			}
			h2 := layerNorm64(r, w(pre+"layer_norm2.weight"), w(pre+"layer_norm2.bias"), eps)
			f1 := linear64(h2, w(pre+"mlp.fc1.weight"), w(pre+"mlp.fc1.bias"), vc.Intermediate, d)
			for j := range f1 {
				f1[j] = gelu(f1[j])
			}
			f2 := linear64(f1, w(pre+"mlp.fc2.weight"), w(pre+"mlp.fc2.bias"), d, vc.Intermediate)
			for j := range d {
				r[j] += f2[j]
			}
			next[i] = r
		}
		x = next
	}
	inW, inB := w("vision_model.head.attention.in_proj_weight"), w("vision_model.head.attention.in_proj_bias")
	q := linear64(w("vision_model.head.probe"), inW[:d*d], inB[:d], d, d)
	k, v := make([][]float64, n), make([][]float64, n)
	for i := range n {
		h := layerNorm64(x[i], w("vision_model.post_layernorm.weight"), w("vision_model.post_layernorm.bias"), eps)
		k[i] = linear64(h, inW[d*d:2*d*d], inB[d:2*d], d, d)
		v[i] = linear64(h, inW[2*d*d:], inB[2*d:], d, d)
	}
	ctx := make([]float64, d)
	for h := range heads {
		copy(ctx[h*hd:], attend(q, k, v, h))
	}
	attended := linear64(ctx, w("vision_model.head.attention.out_proj.weight"), w("vision_model.head.attention.out_proj.bias"), d, d)
	normed := layerNorm64(attended, w("vision_model.head.layernorm.weight"), w("vision_model.head.layernorm.bias"), eps)
	hidden := linear64(normed, w("vision_model.head.mlp.fc1.weight"), w("vision_model.head.mlp.fc1.bias"), vc.Intermediate, d)
	for i := range hidden {
		hidden[i] = gelu(hidden[i])
	}
	delta := linear64(hidden, w("vision_model.head.mlp.fc2.weight"), w("vision_model.head.mlp.fc2.bias"), d, vc.Intermediate)
	var norm float64
	for i := range attended {
		attended[i] += delta[i]
		norm += attended[i] * attended[i]
	}
	for i := range attended {
		attended[i] /= math.Sqrt(norm)
	}
	return attended
}

// TestAblationsMatchAnIndependentForward holds Ablate (batched, starting
// from the captured layer, on the CPU backend) against forward64 run on
// the kept tokens alone, for configurations unlike the references: a
// fixed-resolution model and a NaFlex model with padding, several
// patches dropped at once, heads silenced in every block, and both at once.
func TestAblationsMatchAnIndependentForward(t *testing.T) {
	configs := map[string]string{
		"fixed": `{"model_type":"siglip",
			"vision_config":{"hidden_size":24,"intermediate_size":40,"num_hidden_layers":3,"num_attention_heads":3,"patch_size":4,"image_size":16},
			"text_config":{"hidden_size":24,"intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":30,"max_position_embeddings":8}}`,
		"naflex": `{"model_type":"siglip2",
			"vision_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":2,"num_attention_heads":4,"num_patches":9,"patch_size":4},
			"text_config":{"hidden_size":32,"intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":30,"max_position_embeddings":8}}`,
	}
	for name, js := range configs {
		t.Run(name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(js))
			if err != nil {
				t.Fatal(err)
			}
			const seed = 5
			w := randomWeights64(t, cfg, seed)
			pre := DefaultPreprocessor(cfg)
			pre.MaxNumPatches = 23 // NaFlex: padding rows past the valid patches
			m, err := NewRandom(cfg, pre, seed, Options{Backend: cpuBackend})
			if err != nil {
				t.Fatal(err)
			}
			img, _ := preprocess.NewImage(19, 13)
			for i := range img.Pix {
				img.Pix[i] = uint8(i*37 + i/5)
			}
			a, err := m.Analyze(context.Background(), img, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release()
			valid := a.Valid()
			rows, cols := a.Grid()
			pos, err := a.Positions()
			if err != nil {
				t.Fatal(err)
			}
			abls := []Ablation{
				{Drop: []int{0}},
				{Drop: []int{valid - 1, 1, valid / 2}},
				{Silence: []HeadRef{{Block: cfg.Vision.Layers - 1, Head: 1}}},
				{Silence: []HeadRef{{Block: 0, Head: 0}}},
				{Drop: []int{2}, Silence: []HeadRef{{Block: 1, Head: 2}}},
			}
			res, err := a.Ablate(context.Background(), abls, AblateOptions{Batch: 2})
			if err != nil {
				t.Fatal(err)
			}
			if !(rows*cols == valid && valid >= 4) {
				t.Fatalf("grid %d×%d", rows, cols)
			}
			for i, ab := range abls {
				drop := map[int]bool{}
				for _, p := range ab.Drop {
					drop[p] = true
				}
				var keep []int
				for p := range valid {
					if !drop[p] {
						keep = append(keep, p)
					}
				}
				var sil *HeadRef
				if len(ab.Silence) > 0 {
					sil = &ab.Silence[0]
				}
				want := forward64(t, w, cfg.Vision, cfg.Variant, a.Prepared.Input.Patches, pos, keep, sil)
				closeTo(t, fmt.Sprintf("ablation %d (%+v)", i, ab), res[i].Embed, toF32(want), 2e-5, 1e-4, nil)
				if fmt.Sprint(res[i].Kept) != fmt.Sprint(keep) {
					t.Errorf("ablation %d kept %v, want %v", i, res[i].Kept, keep)
				}
			}
			// The whole image through forward64 is the analysis itself.
			all := make([]int, valid)
			for p := range all {
				all[p] = p
			}
			closeTo(t, "no ablation", a.ImageEmbedding(), toF32(forward64(t, w, cfg.Vision, cfg.Variant, a.Prepared.Input.Patches, pos, all, nil)), 2e-5, 1e-4, nil)
		})
	}
}

// TestAblationCapturesFeaturesOfTheKeptPatches: with Capture, a copy that
// drops nothing has the analysis's own features at every level; a copy
// that silences a head in the last block keeps the earlier levels as they
// were; and the naive backend gives the CPU backend's numbers.
func TestAblationCapturesFeaturesOfTheKeptPatches(t *testing.T) {
	for _, b := range []struct {
		name string
		m    *Model
	}{{"cpu", loadReference(t, "siglip2_naflex", cpuBackend)}, {"naive", loadReference(t, "siglip2_naflex", naive.New())}} {
		img, err := preprocess.Load(filepath.Join(referenceDir, "images", "img2_64x64_rgb.png"), preprocess.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.m.Analyze(context.Background(), img, 16)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Ablate(context.Background(), []Ablation{{}, {Silence: []HeadRef{{Block: a.Layers() - 1, Head: 0}}}}, AblateOptions{Capture: true})
		if err != nil {
			t.Fatal(err)
		}
		for l := range a.FeatureLevels() {
			f, _ := a.Features(l)
			closeTo(t, fmt.Sprintf("%s: no ablation, level %d", b.name, l), res[0].Features[l], f[:a.Valid()*a.Hidden()], 1e-5, 1e-5, nil)
			if l < a.Layers() {
				closeTo(t, fmt.Sprintf("%s: last block silenced, level %d", b.name, l), res[1].Features[l], f[:a.Valid()*a.Hidden()], 0, 0, nil)
			}
		}
		closeTo(t, b.name+": no ablation, embedding", res[0].Embed, a.ImageEmbedding(), 1e-5, 1e-5, nil)
		a.Release()
	}
}
