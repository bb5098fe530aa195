package inspect

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// What the tests of the global–local, masked-context and correspondence
// reports recompute on their own: the crop pixel by pixel, the matching
// patches in exact rational arithmetic, every feature level through the
// dump path (Prepare, EncodeImages with capture, Internals.HiddenState,
// LastHidden: what `siglip2-tui dump` writes), a float64 forward pass over
// the kept tokens written from the checkpoint's tensors, and plain
// float64 cosines.

// trainedModel is a model under test with its raw weights in float64.
type trainedModel struct {
	name string
	m    *engine.Model
	w    map[string][]float64
	// budget is the NaFlex patch budget the tests use (0: the model's).
	budget int
	// ids is a few token-id rows the text tower accepts.
	ids [][]int
}

// weight returns a raw tensor or fails.
func (tm *trainedModel) weight(t *testing.T, name string) []float64 {
	t.Helper()
	v, ok := tm.w[name]
	if !ok {
		t.Fatalf("%s: no tensor %s", tm.name, name)
	}
	return v
}

// trainedModels are the models the tests run on: both reference
// checkpoints and two random configurations of this test's own (a
// fixed-resolution one with 4-pixel patches, and a NaFlex one whose budget
// leaves padding), all on the reference backend.
func trainedModels(t *testing.T) []*trainedModel {
	t.Helper()
	var out []*trainedModel
	for _, name := range []string{"siglip2_fixed", "siglip2_naflex"} {
		dir := filepath.Join(referenceDir, name)
		m, err := engine.Load(dir, engine.Options{Backend: naive.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		w := map[string][]float64{}
		for _, n := range f.Header.Names() {
			v, _, err := f.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			w[n] = f64(v)
		}
		f.Close()
		row := func(ids ...int) []int {
			r := make([]int, m.Config.Text.MaxPositions)
			copy(r, ids)
			return r
		}
		out = append(out, &trainedModel{name: name, m: m, w: w, budget: 64, ids: [][]int{row(5, 17, 300, 1), row(42, 9, 1)}})
	}
	configs := []struct{ name, js string }{
		{"random-fixed", `{"model_type":"siglip",
			"vision_config":{"hidden_size":24,"intermediate_size":40,"num_hidden_layers":3,"num_attention_heads":3,"patch_size":4,"image_size":20},
			"text_config":{"hidden_size":24,"intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":30,"max_position_embeddings":8}}`},
		{"random-naflex", `{"model_type":"siglip2",
			"vision_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":2,"num_attention_heads":4,"num_patches":16,"patch_size":4},
			"text_config":{"hidden_size":32,"intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":30,"max_position_embeddings":8}}`},
	}
	for _, c := range configs {
		cfg, err := engine.ParseConfig([]byte(c.js))
		if err != nil {
			t.Fatal(err)
		}
		const seed = 11
		raw, err := engine.RandomWeights(cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		w := map[string][]float64{}
		for _, tn := range raw {
			r := tn.Data.(safetensors.Raw)
			v := make([]float32, len(r.Bytes)/r.DType.Size())
			if err := safetensors.DecodeFloat32(v, r.Bytes, r.DType); err != nil {
				t.Fatal(err)
			}
			w[tn.Name] = f64(v)
		}
		pre := engine.DefaultPreprocessor(cfg)
		pre.MaxNumPatches = 23 // NaFlex: padding tokens past the valid patches
		m, err := engine.NewRandom(cfg, pre, seed, engine.Options{Backend: naive.New()})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &trainedModel{name: c.name, m: m, w: w, ids: [][]int{{3, 7, 1, 0, 0, 0, 0, 0}, {12, 1, 0, 0, 0, 0, 0, 0}}})
	}
	return out
}

// labels encodes tm's token rows through the text tower.
func (tm *trainedModel) labels(t *testing.T) []engine.Label {
	t.Helper()
	txt, err := tm.m.EncodeTexts(context.Background(), tm.ids, false)
	if err != nil {
		t.Fatal(err)
	}
	d := tm.m.Config.Text.ProjectionSize
	out := make([]engine.Label, len(tm.ids))
	for i := range out {
		out[i] = engine.Label{Text: fmt.Sprintf("row %d", i), Prompt: fmt.Sprint(tm.ids[i]), Embed: txt.Embeds[i*d : (i+1)*d]}
	}
	return out
}

// naiveLogit is cos(image, text)·exp(scale) + bias, in float64.
func naiveLogit(m *engine.Model, image, text []float32) float64 {
	return naiveCos(image, text)*math.Exp(float64(m.LogitScale)) + float64(m.LogitBias)
}

// dumped is one image through the dump path: its grid and every level's
// valid patches' features.
type dumped struct {
	rows, cols int
	levels     [][][]float32 // level → patch → features
	embed      []float32
	prepared   *engine.PreparedImage
}

// dumpImage runs img alone through the model as `siglip2-tui dump` does and
// reads every hidden state, and the output after the final LayerNorm.
func dumpImage(t *testing.T, m *engine.Model, img *preprocess.Image, budget int) dumped {
	t.Helper()
	p, err := m.Prepare(img, budget)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.EncodeImages(context.Background(), []engine.VisionInput{p.Input}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Internals.Release()
	d := m.Config.Vision.Hidden
	valid := p.Input.GridH * p.Input.GridW
	rowsOf := func(x []float32) [][]float32 {
		r := make([][]float32, valid)
		for i := range r {
			r[i] = append([]float32(nil), x[i*d:(i+1)*d]...)
		}
		return r
	}
	var levels [][][]float32
	for l := 0; l <= m.Config.Vision.Layers; l++ {
		h, err := out.Internals.HiddenState(l, 0)
		if err != nil {
			t.Fatal(err)
		}
		levels = append(levels, rowsOf(h))
	}
	levels = append(levels, rowsOf(out.LastHidden))
	return dumped{rows: p.Input.GridH, cols: p.Input.GridW, levels: levels, embed: append([]float32(nil), out.Embeds...), prepared: p}
}

// naiveCos is the cosine similarity of a and b, term by term in float64.
func naiveCos(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa) / math.Sqrt(bb)
}

// scene is a w × h test picture with structure at every scale: a bright
// disc, a dark bar and a colour gradient.
func scene(w, h int) *preprocess.Image {
	img, _ := preprocess.NewImage(w, h)
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			r, g, b := uint8(30+200*x/w), uint8(40+180*y/h), uint8((x*7+y*13)%256)
			if dx, dy := x-w/3, y-h/3; dx*dx+dy*dy < w*h/20 {
				r, g, b = 250, 230, 40
			}
			if x > w/2 && y > 2*h/3 {
				r, g, b = 10, 20, 30
			}
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = r, g, b
		}
	}
	return img
}

// forward64 runs the vision tower in float64 over the kept patches only,
// written from the checkpoint's tensors (pre-LayerNorm blocks, attention
// among the kept tokens, tanh GELU, the final LayerNorm, the MAP head over
// the kept tokens). patches are the prepared image's flattened patches,
// positions its position embeddings (valid × hidden). It returns each
// level's features of the kept patches (levels 0…L+1) and the
// L2-normalised image embedding.
func forward64(t *testing.T, tm *trainedModel, patches, positions []float32, keep []int) ([][][]float64, []float64) {
	t.Helper()
	w := func(n string) []float64 { return tm.weight(t, n) }
	vc := tm.m.Config.Vision
	d, hd, heads, eps := vc.Hidden, vc.HeadDim(), vc.Heads, float64(vc.LayerNormEps)
	pd := vc.PatchDim()
	pw := w("vision_model.embeddings.patch_embedding.weight")
	if tm.m.Config.Variant == engine.FixedRes { // Conv2d (out, channel, py, px) → (out, (py, px, channel))
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
		x[i] = lin64(f64(patches[p*pd:(p+1)*pd]), pw, w("vision_model.embeddings.patch_embedding.bias"), d, pd)
		for j := range d {
			x[i][j] += float64(positions[p*d+j])
		}
	}
	levels := [][][]float64{x}
	gelu := func(u float64) float64 { return 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u))) }
	attend := func(q []float64, k, v [][]float64, h int) []float64 {
		s := make([]float64, len(k))
		top := math.Inf(-1)
		for r := range k {
			for j := h * hd; j < (h+1)*hd; j++ {
				s[r] += q[j] * k[r][j]
			}
			s[r] /= math.Sqrt(float64(hd))
			top = math.Max(top, s[r])
		}
		var sum float64
		for r := range s {
			s[r] = math.Exp(s[r] - top)
			sum += s[r]
		}
		out := make([]float64, hd)
		for r := range k {
			for j := range hd {
				out[j] += s[r] / sum * v[r][h*hd+j]
			}
		}
		return out
	}
	for l := range vc.Layers {
		pre := fmt.Sprintf("vision_model.encoder.layers.%d.", l)
		q, k, v := make([][]float64, n), make([][]float64, n), make([][]float64, n)
		for i := range n {
			h := ln64(x[i], w(pre+"layer_norm1.weight"), w(pre+"layer_norm1.bias"), eps)
			q[i] = lin64(h, w(pre+"self_attn.q_proj.weight"), w(pre+"self_attn.q_proj.bias"), d, d)
			k[i] = lin64(h, w(pre+"self_attn.k_proj.weight"), w(pre+"self_attn.k_proj.bias"), d, d)
			v[i] = lin64(h, w(pre+"self_attn.v_proj.weight"), w(pre+"self_attn.v_proj.bias"), d, d)
		}
		next := make([][]float64, n)
		for i := range n {
			ctx := make([]float64, d)
			for h := range heads {
				copy(ctx[h*hd:], attend(q[i], k, v, h))
			}
			o := lin64(ctx, w(pre+"self_attn.out_proj.weight"), w(pre+"self_attn.out_proj.bias"), d, d)
			r := make([]float64, d)
			for j := range d {
				r[j] = x[i][j] + o[j]
			}
			f1 := lin64(ln64(r, w(pre+"layer_norm2.weight"), w(pre+"layer_norm2.bias"), eps), w(pre+"mlp.fc1.weight"), w(pre+"mlp.fc1.bias"), vc.Intermediate, d)
			for j := range f1 {
				f1[j] = gelu(f1[j])
			}
			f2 := lin64(f1, w(pre+"mlp.fc2.weight"), w(pre+"mlp.fc2.bias"), d, vc.Intermediate)
			for j := range d {
				r[j] += f2[j]
			}
			next[i] = r
		}
		x = next
		levels = append(levels, x)
	}
	post := make([][]float64, n)
	for i := range n {
		post[i] = ln64(x[i], w("vision_model.post_layernorm.weight"), w("vision_model.post_layernorm.bias"), eps)
	}
	levels = append(levels, post)
	inW, inB := w("vision_model.head.attention.in_proj_weight"), w("vision_model.head.attention.in_proj_bias")
	q := lin64(w("vision_model.head.probe"), inW[:d*d], inB[:d], d, d)
	k, v := make([][]float64, n), make([][]float64, n)
	for i := range n {
		k[i] = lin64(post[i], inW[d*d:2*d*d], inB[d:2*d], d, d)
		v[i] = lin64(post[i], inW[2*d*d:], inB[2*d:], d, d)
	}
	ctx := make([]float64, d)
	for h := range heads {
		copy(ctx[h*hd:], attend(q, k, v, h))
	}
	att := lin64(ctx, w("vision_model.head.attention.out_proj.weight"), w("vision_model.head.attention.out_proj.bias"), d, d)
	hid := lin64(ln64(att, w("vision_model.head.layernorm.weight"), w("vision_model.head.layernorm.bias"), eps), w("vision_model.head.mlp.fc1.weight"), w("vision_model.head.mlp.fc1.bias"), vc.Intermediate, d)
	for i := range hid {
		hid[i] = gelu(hid[i])
	}
	delta := lin64(hid, w("vision_model.head.mlp.fc2.weight"), w("vision_model.head.mlp.fc2.bias"), d, vc.Intermediate)
	var norm float64
	for i := range att {
		att[i] += delta[i]
		norm += att[i] * att[i]
	}
	for i := range att {
		att[i] /= math.Sqrt(norm)
	}
	return levels, att
}

// lin64 is W·x + b with W stored out × in, row-major.
func lin64(x, wt, b []float64, out, in int) []float64 {
	y := make([]float64, out)
	for o := range out {
		s := b[o]
		for i := range in {
			s += wt[o*in+i] * x[i]
		}
		y[o] = s
	}
	return y
}

// ln64 is LayerNorm with gain and bias.
func ln64(x, gain, bias []float64, eps float64) []float64 {
	var mean, v float64
	for _, u := range x {
		mean += u
	}
	mean /= float64(len(x))
	for _, u := range x {
		v += (u - mean) * (u - mean)
	}
	v /= float64(len(x))
	out := make([]float64, len(x))
	for i, u := range x {
		out[i] = (u-mean)/math.Sqrt(v+eps)*gain[i] + bias[i]
	}
	return out
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// cos64 is the cosine of a float64 vector and a float32 one.
func cos64(a []float64, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * float64(b[i])
		aa += a[i] * a[i]
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa) / math.Sqrt(bb)
}
