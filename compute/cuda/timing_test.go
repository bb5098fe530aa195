package cuda

import (
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// TestTiming times a SigLIP-like vision transformer forward pass (patch
// embedding, pre-LN blocks, post LayerNorm, attention-pooling head) with
// random weights on the backend's operations alone, the way the engine
// issues them. It runs only with SIGLIP2_CUDA_TIMING=1 (scripts/gpu-check)
// and prints one "TIMING" line per configuration for the summary, to set
// beside scripts/gpu_torch_bench.py's PyTorch eager numbers.
func TestTiming(t *testing.T) {
	if os.Getenv("SIGLIP2_CUDA_TIMING") == "" {
		t.Skip("set SIGLIP2_CUDA_TIMING=1 to time forward passes on the GPU")
	}
	configs := []vitConfig{
		{"base-224", 768, 12, 12, 3072, 16, 224, 1},
		{"base-224x8", 768, 12, 12, 3072, 16, 224, 8},
		{"base-512", 768, 12, 12, 3072, 16, 512, 1},
		{"so400m-512", 1152, 27, 16, 4304, 16, 512, 1},
	}
	for _, fast := range []bool{false, true} {
		mode := "fp32"
		if fast {
			mode = "tf32"
		}
		t.Run(mode, func(t *testing.T) {
			b := gpuBackend(t, Options{Fast: fast})
			for _, c := range configs {
				m, err := newSyntheticViT(b, c)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				for i := 0; i < 3; i++ {
					m.forward()
				}
				if err := b.Sync(); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				times := make([]float64, 20)
				for i := range times {
					start := time.Now()
					m.forward()
					if err := b.Sync(); err != nil {
						t.Fatalf("%s: %v", c.name, err)
					}
					times[i] = float64(time.Since(start).Microseconds()) / 1000
				}
				pooled := make([]float32, m.pooled.Len())
				if err := b.Download(pooled, m.pooled); err != nil {
					t.Fatal(err)
				}
				for _, v := range pooled {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s: non-finite pooled output", c.name)
					}
				}
				sort.Float64s(times)
				fmt.Printf("TIMING cuda %s %s median %.2f ms (min %.2f) on %s\n", mode, c.name, times[len(times)/2], times[0], b.Name())
				m.free()
			}
		})
	}
}

// vitConfig is a SigLIP vision tower's shape.
type vitConfig struct {
	name                              string
	hidden, layers, heads, mlp, patch int
	image, batch                      int
}

type synLayer struct {
	ln1g, ln1b, qkvW, qkvB, outW, outB, ln2g, ln2b, fc1W, fc1B, fc2W, fc2B compute.Tensor
}

// syntheticViT holds random weights and preallocated activations.
type syntheticViT struct {
	b                                         *Backend
	c                                         vitConfig
	tokens                                    int
	patchW, patchB, pos, postG, postB         compute.Tensor
	layers                                    []synLayer
	probe, inW, inB, hOutW, hOutB, hLnG, hLnB compute.Tensor
	hFc1W, hFc1B, hFc2W, hFc2B                compute.Tensor
	patches, x, normed, qkv, ctx, delta, mlpH compute.Tensor
	last, query, kv, hCtx, att, hNorm, hMlp   compute.Tensor
	hDelta, pooled                            compute.Tensor
	all                                       []compute.Tensor
}

func newSyntheticViT(b *Backend, c vitConfig) (*syntheticViT, error) {
	m := &syntheticViT{b: b, c: c, tokens: (c.image / c.patch) * (c.image / c.patch)}
	rows := c.batch * m.tokens
	seed := uint64(12345)
	var err error
	alloc := func(r, cols int, scale float32) compute.Tensor {
		if err != nil {
			return compute.Tensor{}
		}
		var t compute.Tensor
		if t, err = b.Alloc(r, cols); err != nil {
			return t
		}
		m.all = append(m.all, t)
		if scale != 0 {
			vals := make([]float32, r*cols)
			for i := range vals { // xorshift: fast, and plenty random for timing
				seed ^= seed << 13
				seed ^= seed >> 7
				seed ^= seed << 17
				vals[i] = scale * (float32(seed>>40)/float32(1<<24) - 0.5)
			}
			err = b.Upload(t, vals)
		}
		return t
	}
	h, pd := c.hidden, 3*c.patch*c.patch
	w := float32(2 / math.Sqrt(float64(h)))
	m.patchW, m.patchB, m.pos = alloc(h, pd, 0.05), alloc(1, h, 0.1), alloc(m.tokens, h, 0.1)
	for l := 0; l < c.layers; l++ {
		m.layers = append(m.layers, synLayer{
			ln1g: alloc(1, h, 2), ln1b: alloc(1, h, 0.2), qkvW: alloc(3*h, h, w), qkvB: alloc(1, 3*h, 0.1),
			outW: alloc(h, h, w), outB: alloc(1, h, 0.1), ln2g: alloc(1, h, 2), ln2b: alloc(1, h, 0.2),
			fc1W: alloc(c.mlp, h, w), fc1B: alloc(1, c.mlp, 0.1), fc2W: alloc(h, c.mlp, w/2), fc2B: alloc(1, h, 0.1),
		})
	}
	m.postG, m.postB = alloc(1, h, 2), alloc(1, h, 0.2)
	m.probe, m.inW, m.inB = alloc(c.batch, h, 1), alloc(3*h, h, w), alloc(1, 3*h, 0.1)
	m.hOutW, m.hOutB, m.hLnG, m.hLnB = alloc(h, h, w), alloc(1, h, 0.1), alloc(1, h, 2), alloc(1, h, 0.2)
	m.hFc1W, m.hFc1B, m.hFc2W, m.hFc2B = alloc(c.mlp, h, w), alloc(1, c.mlp, 0.1), alloc(h, c.mlp, w/2), alloc(1, h, 0.1)
	m.patches = alloc(rows, pd, 2)
	m.x, m.normed, m.qkv, m.ctx = alloc(rows, h, 0), alloc(rows, h, 0), alloc(rows, 3*h, 0), alloc(rows, h, 0)
	m.delta, m.mlpH, m.last = alloc(rows, h, 0), alloc(rows, c.mlp, 0), alloc(rows, h, 0)
	m.query, m.kv, m.hCtx, m.att = alloc(c.batch, h, 0), alloc(rows, 2*h, 0), alloc(c.batch, h, 0), alloc(c.batch, h, 0)
	m.hNorm, m.hMlp, m.hDelta, m.pooled = alloc(c.batch, h, 0), alloc(c.batch, c.mlp, 0), alloc(c.batch, h, 0), alloc(c.batch, h, 0)
	if err != nil {
		m.free()
		return nil, err
	}
	return m, nil
}

func (m *syntheticViT) free() {
	for _, t := range m.all {
		m.b.Free(t)
	}
	m.all = nil
}

// forward issues one forward pass in the engine's order of operations.
func (m *syntheticViT) forward() {
	b, c, h := m.b, m.c, m.c.hidden
	const eps = 1e-6
	b.Linear(m.x, m.patches, m.patchW, m.patchB, compute.NoActivation)
	for i := 0; i < c.batch; i++ {
		rows := m.x.RowRange(i*m.tokens, (i+1)*m.tokens)
		b.Add(rows, rows, m.pos)
	}
	shape := compute.AttentionShape{Seqs: c.batch, QLen: m.tokens, KLen: m.tokens, Heads: c.heads, HeadDim: h / c.heads,
		Scale: float32(math.Pow(float64(h/c.heads), -0.5))}
	for _, l := range m.layers {
		b.LayerNorm(m.normed, m.x, l.ln1g, l.ln1b, eps)
		b.Linear(m.qkv, m.normed, l.qkvW, l.qkvB, compute.NoActivation)
		b.Attention(m.ctx, m.qkv.ColRange(0, h), m.qkv.ColRange(h, 2*h), m.qkv.ColRange(2*h, 3*h), compute.Tensor{}, shape)
		b.Linear(m.delta, m.ctx, l.outW, l.outB, compute.NoActivation)
		b.Add(m.x, m.x, m.delta)
		b.LayerNorm(m.normed, m.x, l.ln2g, l.ln2b, eps)
		b.Linear(m.mlpH, m.normed, l.fc1W, l.fc1B, compute.GELUTanh)
		b.Linear(m.delta, m.mlpH, l.fc2W, l.fc2B, compute.NoActivation)
		b.Add(m.x, m.x, m.delta)
	}
	b.LayerNorm(m.last, m.x, m.postG, m.postB, eps)
	b.Linear(m.query, m.probe, m.inW.RowRange(0, h), m.inB.ColRange(0, h), compute.NoActivation)
	b.Linear(m.kv, m.last, m.inW.RowRange(h, 3*h), m.inB.ColRange(h, 3*h), compute.NoActivation)
	pool := shape
	pool.QLen = 1
	b.Attention(m.hCtx, m.query, m.kv.ColRange(0, h), m.kv.ColRange(h, 2*h), compute.Tensor{}, pool)
	b.Linear(m.att, m.hCtx, m.hOutW, m.hOutB, compute.NoActivation)
	b.LayerNorm(m.hNorm, m.att, m.hLnG, m.hLnB, eps)
	b.Linear(m.hMlp, m.hNorm, m.hFc1W, m.hFc1B, compute.GELUTanh)
	b.Linear(m.hDelta, m.hMlp, m.hFc2W, m.hFc2B, compute.NoActivation)
	b.Add(m.pooled, m.att, m.hDelta)
}

// TestSyntheticViTOnEmulator keeps the timing model honest on machines
// without a GPU: a tiny configuration runs end to end on the emulator.
func TestSyntheticViTOnEmulator(t *testing.T) {
	b, _ := newEmulated(t)
	m, err := newSyntheticViT(b, vitConfig{"tiny", 16, 2, 4, 32, 4, 8, 2})
	if err != nil {
		t.Fatal(err)
	}
	m.forward()
	out := fetch(t, b, m.pooled)
	for _, v := range out {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN in pooled output")
		}
	}
	m.free()
}
