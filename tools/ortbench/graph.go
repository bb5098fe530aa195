// Package ortbench writes SigLIP 2 vision towers as ONNX models with the
// random weights the engine's benchmarks use (engine.RandomWeights), and
// runs them in ONNX Runtime (onnxruntime-node, driven by bench.cjs), so
// `siglip2-tui bench --vs-ort` can time ONNX Runtime and this engine on
// the same machine, in one run, on the same tower and weights.
//
// The graph is the one torch.onnx.export (opset 17) makes of Hugging Face's
// SiglipVisionModel: a Conv patch embedding (a MatMul over flattened
// patches for NaFlex), LayerNormalization, separate query, key and value
// MatMul+Add, Reshape/Transpose into heads, MatMul, Mul by the scale,
// Softmax, MatMul, the tanh GELU written out with Pow and Tanh (or opset
// 20's Gelu), the post LayerNorm and the attention-pooling head. ONNX
// Runtime fuses what it recognises when it loads the model.
package ortbench

import (
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/naflex"
)

// Options choose how the graph is written.
type Options struct {
	// Opset is 17 (GELU written out with basic operators, as
	// torch.onnx.export writes it) or 20 (the Gelu operator with
	// approximate="tanh"); 0 means 17.
	Opset int
}

// Model is an encoded ONNX model and the shape of its one input.
type Model struct {
	// Bytes is the serialised ModelProto.
	Bytes []byte
	// Input names the graph's input: "pixel_values" (1×3×H×W, fixed
	// resolution) or "patches" (1×tokens×patch values, NaFlex).
	Input string
	// InputShape is the input's shape.
	InputShape []int64
	// Tokens is the number of patches the tower sees.
	Tokens int
}

// Outputs of every model, in this order.
const (
	// PooledOutput is the pooling head's output, 1×hidden.
	PooledOutput = "pooler_output"
	// LastHiddenOutput is the post LayerNorm's output, 1×tokens×hidden.
	LastHiddenOutput = "last_hidden_state"
)

// graph collects nodes and initializers.
type graph struct {
	nodes, inits []msg
	n            int
	weights      map[string][]float32
	shapes       map[string][]int
	opset        int
}

func (g *graph) tmp() string { g.n++; return fmt.Sprintf("t%d", g.n) }

// op adds a node with one output and returns the output's name.
func (g *graph) op(op string, in []string, attrs ...attr) string {
	out := g.tmp()
	g.nodes = append(g.nodes, nodeProto(op, in, []string{out}, attrs))
	return out
}

// named adds a node whose output has the given name.
func (g *graph) named(name, op string, in []string, attrs ...attr) {
	g.nodes = append(g.nodes, nodeProto(op, in, []string{name}, attrs))
}

func (g *graph) constant(dims []int64, vals []float32) string {
	name := g.tmp()
	g.inits = append(g.inits, tensorProto(name, dims, vals, nil))
	return name
}

func (g *graph) scalar(v float32) string { return g.constant(nil, []float32{v}) }

func (g *graph) shape(v ...int64) string {
	name := g.tmp()
	g.inits = append(g.inits, tensorProto(name, []int64{int64(len(v))}, nil, v))
	return name
}

func (g *graph) weight(name string) ([]float32, []int, error) {
	w, ok := g.weights[name]
	if !ok {
		return nil, nil, fmt.Errorf("ortbench: no tensor %q in the random weights", name)
	}
	return w, g.shapes[name], nil
}

// transposed returns rows [r0, r1) of the out×in matrix w as the in×rows
// initializer a MatMul multiplies by.
func (g *graph) transposed(w []float32, in, r0, r1 int) string {
	t := make([]float32, in*(r1-r0))
	for o := r0; o < r1; o++ {
		for i := 0; i < in; i++ {
			t[i*(r1-r0)+o-r0] = w[o*in+i]
		}
	}
	return g.constant([]int64{int64(in), int64(r1 - r0)}, t)
}

// linear adds x·Wᵀ + b for rows [r0, r1) of weight wName (out×in) and the
// same columns of bias bName, as torch exports nn.Linear on a 3-D input.
func (g *graph) linear(x, wName, bName string, r0, r1 int) (string, error) {
	w, shape, err := g.weight(wName)
	if err != nil {
		return "", err
	}
	b, _, err := g.weight(bName)
	if err != nil {
		return "", err
	}
	in := shape[len(shape)-1]
	if r1 == 0 {
		r1 = shape[0]
	}
	y := g.op("MatMul", []string{x, g.transposed(w, in, r0, r1)})
	return g.op("Add", []string{y, g.constant([]int64{int64(r1 - r0)}, b[r0:r1])}), nil
}

func (g *graph) layerNorm(x, prefix string, eps float32) (string, error) {
	w, shape, err := g.weight(prefix + ".weight")
	if err != nil {
		return "", err
	}
	b, _, err := g.weight(prefix + ".bias")
	if err != nil {
		return "", err
	}
	d := int64(shape[0])
	return g.op("LayerNormalization", []string{x, g.constant([]int64{d}, w), g.constant([]int64{d}, b)},
		intAttr("axis", -1), floatAttr("epsilon", eps)), nil
}

// gelu is the tanh approximation: opset 20's Gelu, or as torch writes it
// out at opset 17, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func (g *graph) gelu(x string) string {
	if g.opset >= 20 {
		return g.op("Gelu", []string{x}, strAttr("approximate", "tanh"))
	}
	cube := g.op("Pow", []string{x, g.scalar(3)})
	inner := g.op("Add", []string{x, g.op("Mul", []string{cube, g.scalar(0.044715)})})
	t := g.op("Tanh", []string{g.op("Mul", []string{inner, g.scalar(float32(math.Sqrt(2 / math.Pi)))})})
	return g.op("Mul", []string{g.op("Mul", []string{x, g.scalar(0.5)}), g.op("Add", []string{t, g.scalar(1)})})
}

// attention adds multi-head attention of q (1×tq×d) over k and v (1×tk×d)
// and returns the context, 1×tq×d.
func (g *graph) attention(q, k, v string, tq, tk, heads, hd int) string {
	split := func(x string, t int, perm ...int64) string {
		r := g.op("Reshape", []string{x, g.shape(1, int64(t), int64(heads), int64(hd))})
		return g.op("Transpose", []string{r}, intsAttr("perm", perm...))
	}
	qh := split(q, tq, 0, 2, 1, 3) // 1×h×tq×hd
	kt := split(k, tk, 0, 2, 3, 1) // 1×h×hd×tk
	vh := split(v, tk, 0, 2, 1, 3) // 1×h×tk×hd
	s := g.op("Mul", []string{g.op("MatMul", []string{qh, kt}), g.scalar(float32(math.Pow(float64(hd), -0.5)))})
	p := g.op("Softmax", []string{s}, intAttr("axis", -1))
	o := g.op("Transpose", []string{g.op("MatMul", []string{p, vh})}, intsAttr("perm", 0, 2, 1, 3))
	return g.op("Reshape", []string{o, g.shape(1, int64(tq), int64(heads*hd))})
}

func (g *graph) mlp(x, prefix string) (string, error) {
	h, err := g.linear(x, prefix+".fc1.weight", prefix+".fc1.bias", 0, 0)
	if err != nil {
		return "", err
	}
	return g.linear(g.gelu(h), prefix+".fc2.weight", prefix+".fc2.bias", 0, 0)
}

// Vision returns cfg's vision tower, with the weights
// engine.RandomWeights(cfg, seed) makes, for one image of a gridH × gridW
// patch grid (fixed-resolution configs take their own grid only). The
// tower computes in float32; its activation must be the tanh GELU.
func Vision(cfg engine.Config, seed int64, gridH, gridW int, opt Options) (*Model, error) {
	vc := cfg.Vision
	if vc.Activation != compute.GELUTanh {
		return nil, fmt.Errorf("ortbench: activation %v is not written (only the tanh GELU)", vc.Activation)
	}
	tensors, err := engine.RandomWeights(cfg, seed)
	if err != nil {
		return nil, err
	}
	g := &graph{weights: map[string][]float32{}, shapes: map[string][]int{}, opset: opt.Opset}
	if g.opset == 0 {
		g.opset = 17
	}
	if g.opset != 17 && g.opset != 20 {
		return nil, fmt.Errorf("ortbench: opset %d (want 17 or 20)", g.opset)
	}
	for _, t := range tensors {
		if len(t.Name) < 13 || t.Name[:13] != "vision_model." {
			continue
		}
		raw := t.Data.(safetensors.Raw)
		vals := make([]float32, len(raw.Bytes)/raw.DType.Size())
		if err := safetensors.DecodeFloat32(vals, raw.Bytes, raw.DType); err != nil {
			return nil, err
		}
		g.weights[t.Name], g.shapes[t.Name] = vals, t.Shape
	}
	d, heads, p := vc.Hidden, vc.Heads, vc.PatchSize
	hd := d / heads
	tokens := gridH * gridW
	m := &Model{Tokens: tokens}
	const pre = "vision_model."

	// Patch embedding and positions.
	var x string
	var positions []float32
	pw, _, err := g.weight(pre + "embeddings.patch_embedding.weight")
	if err != nil {
		return nil, err
	}
	pb, _, _ := g.weight(pre + "embeddings.patch_embedding.bias")
	table, _, err := g.weight(pre + "embeddings.position_embedding.weight")
	if err != nil {
		return nil, err
	}
	if cfg.Variant == engine.FixedRes {
		side := vc.ImageSize / p
		if gridH != side || gridW != side {
			return nil, fmt.Errorf("ortbench: a fixed-resolution tower takes a %dx%d grid, not %dx%d", side, side, gridH, gridW)
		}
		m.Input, m.InputShape = "pixel_values", []int64{1, 3, int64(gridH * p), int64(gridW * p)}
		conv := g.op("Conv", []string{m.Input, g.constant([]int64{int64(d), 3, int64(p), int64(p)}, pw), g.constant([]int64{int64(d)}, pb)},
			intsAttr("kernel_shape", int64(p), int64(p)), intsAttr("strides", int64(p), int64(p)))
		flat := g.op("Reshape", []string{conv, g.shape(1, int64(d), int64(tokens))})
		x = g.op("Transpose", []string{flat}, intsAttr("perm", 0, 2, 1))
		positions = table
	} else {
		m.Input, m.InputShape = "patches", []int64{1, int64(tokens), int64(vc.PatchDim())}
		if x, err = g.linear(m.Input, pre+"embeddings.patch_embedding.weight", pre+"embeddings.patch_embedding.bias", 0, 0); err != nil {
			return nil, err
		}
		side := vc.PositionGrid(engine.NaFlex)
		if positions, err = naflex.ResizePositions(table, side, d, gridH, gridW); err != nil {
			return nil, err
		}
	}
	x = g.op("Add", []string{x, g.constant([]int64{int64(tokens), int64(d)}, positions)})

	// Encoder blocks.
	for l := 0; l < vc.Layers; l++ {
		lp := fmt.Sprintf("%sencoder.layers.%d.", pre, l)
		h, err := g.layerNorm(x, lp+"layer_norm1", vc.LayerNormEps)
		if err != nil {
			return nil, err
		}
		var qkv [3]string
		for i, proj := range []string{"q_proj", "k_proj", "v_proj"} {
			if qkv[i], err = g.linear(h, lp+"self_attn."+proj+".weight", lp+"self_attn."+proj+".bias", 0, 0); err != nil {
				return nil, err
			}
		}
		ctx := g.attention(qkv[0], qkv[1], qkv[2], tokens, tokens, heads, hd)
		a, err := g.linear(ctx, lp+"self_attn.out_proj.weight", lp+"self_attn.out_proj.bias", 0, 0)
		if err != nil {
			return nil, err
		}
		x = g.op("Add", []string{x, a})
		if h, err = g.layerNorm(x, lp+"layer_norm2", vc.LayerNormEps); err != nil {
			return nil, err
		}
		if h, err = g.mlp(h, lp+"mlp"); err != nil {
			return nil, err
		}
		x = g.op("Add", []string{x, h})
	}
	last, err := g.layerNorm(x, pre+"post_layernorm", vc.LayerNormEps)
	if err != nil {
		return nil, err
	}
	g.named(LastHiddenOutput, "Identity", []string{last})

	// The attention-pooling head: the probe attends over the patches.
	probe, _, err := g.weight(pre + "head.probe")
	if err != nil {
		return nil, err
	}
	hp := pre + "head.attention."
	q, err := g.linear(g.constant([]int64{1, 1, int64(d)}, probe), hp+"in_proj_weight", hp+"in_proj_bias", 0, d)
	if err != nil {
		return nil, err
	}
	k, err := g.linear(last, hp+"in_proj_weight", hp+"in_proj_bias", d, 2*d)
	if err != nil {
		return nil, err
	}
	v, err := g.linear(last, hp+"in_proj_weight", hp+"in_proj_bias", 2*d, 3*d)
	if err != nil {
		return nil, err
	}
	h, err := g.linear(g.attention(q, k, v, 1, tokens, heads, hd), hp+"out_proj.weight", hp+"out_proj.bias", 0, 0)
	if err != nil {
		return nil, err
	}
	n, err := g.layerNorm(h, pre+"head.layernorm", vc.LayerNormEps)
	if err != nil {
		return nil, err
	}
	if n, err = g.mlp(n, pre+"head.mlp"); err != nil {
		return nil, err
	}
	g.named(PooledOutput, "Reshape", []string{g.op("Add", []string{h, n}), g.shape(1, int64(d))})

	var gp msg
	for _, n := range g.nodes {
		gp.bytes(1, n)
	}
	gp.str(2, "siglip2_vision")
	for _, t := range g.inits {
		gp.bytes(5, t)
	}
	gp.bytes(11, valueInfo(m.Input, m.InputShape))
	gp.bytes(12, valueInfo(PooledOutput, []int64{1, int64(d)}))
	gp.bytes(12, valueInfo(LastHiddenOutput, []int64{1, int64(tokens), int64(d)}))

	var opset msg
	opset.str(1, "")
	opset.int(2, int64(g.opset))
	var model msg
	model.int(1, 9) // IR version 9 (ONNX 1.15), which opset 20 needs
	model.str(2, "siglip2-tui ortbench")
	model.bytes(7, gp)
	model.bytes(8, opset)
	m.Bytes = model
	return m, nil
}
