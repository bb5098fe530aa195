package naive_test

import (
	"math"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// The reference must agree with itself through views and aliasing.
func TestConformance(t *testing.T) {
	computetest.Run(t, naive.New(), computetest.Tolerances{})
}

// Hand-worked values pin the reference to the definitions, independently of
// the conformance suite (which compares the reference with itself).
func TestHandWorked(t *testing.T) {
	b := naive.New()
	mk := func(rows, cols int, v ...float32) compute.Tensor {
		x, _ := b.Alloc(rows, cols)
		_ = b.Upload(x, v)
		return x
	}
	out := func(x compute.Tensor) []float32 {
		o := make([]float32, x.Len())
		_ = b.Download(o, x)
		return o
	}
	near := func(name string, got []float32, want ...float64) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-6 {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}

	// [1 2; 3 4]·[[1 0],[1 1]]ᵀ + [0.5 -1] = [1.5 2; 3.5 6]
	dst := mk(2, 2)
	b.Linear(dst, mk(2, 2, 1, 2, 3, 4), mk(2, 2, 1, 0, 1, 1), mk(1, 2, 0.5, -1), compute.NoActivation)
	near("linear", out(dst), 1.5, 2, 3.5, 6)

	// gelu_tanh(1) = 0.5·(1+tanh(√(2/π)·1.044715)) = 0.8411920, gelu(1) = 0.8413447
	one := mk(1, 1, 1)
	eye := mk(1, 1, 1)
	g := mk(1, 1)
	b.Linear(g, one, eye, compute.Tensor{}, compute.GELUTanh)
	near("gelu_tanh", out(g), 0.8411920)
	b.Linear(g, one, eye, compute.Tensor{}, compute.GELUErf)
	near("gelu_erf", out(g), 0.8413447)

	// LayerNorm of [1 2 3] with eps 0: mean 2, var 2/3 → [-1.2247449, 0, 1.2247449]
	ln := mk(1, 3)
	b.LayerNorm(ln, mk(1, 3, 1, 2, 3), mk(1, 3, 1, 1, 1), mk(1, 3, 0, 0, 0), 0)
	near("layernorm", out(ln), -1.2247449, 0, 1.2247449)

	// One query against keys [1] and [0] (scale 1) with values 10 and 20:
	// p = softmax(1, 0) = [0.7310586, 0.2689414]; out = 12.689414.
	// With only the first key valid: p = [1, 0], out = 10.
	q, k, v := mk(1, 1, 1), mk(2, 1, 1, 0), mk(2, 1, 10, 20)
	o, p := mk(1, 1), mk(1, 2)
	b.Attention(o, q, k, v, p, compute.AttentionShape{Seqs: 1, QLen: 1, KLen: 2, Heads: 1, HeadDim: 1, Scale: 1})
	near("attention probs", out(p), 0.7310586, 0.2689414)
	near("attention out", out(o), 12.689414)
	b.Attention(o, q, k, v, p, compute.AttentionShape{Seqs: 1, QLen: 1, KLen: 2, Heads: 1, HeadDim: 1, Scale: 1, ValidKeys: []int{1}})
	near("masked probs", out(p), 1, 0)
	near("masked out", out(o), 10)
}
