package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

func newTest(t *testing.T, opt Options) *Backend {
	t.Helper()
	b, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// pairOf uploads the same random values into the backend and the reference.
func pairOf(t *testing.T, b, ref compute.Backend, rng *rand.Rand, rows, cols int, scale float64) (compute.Tensor, compute.Tensor) {
	t.Helper()
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	g, _ := b.Alloc(rows, cols)
	w, _ := ref.Alloc(rows, cols)
	if err := b.Upload(g, v); err != nil {
		t.Fatal(err)
	}
	if err := ref.Upload(w, v); err != nil {
		t.Fatal(err)
	}
	return g, w
}

func assertClose(t *testing.T, what string, b, ref compute.Backend, got, want compute.Tensor, abs, rel float64) {
	t.Helper()
	g, w := make([]float32, got.Len()), make([]float32, want.Len())
	_ = b.Download(g, got)
	_ = ref.Download(w, want)
	for i := range w {
		if d := math.Abs(float64(g[i] - w[i])); d > abs+rel*math.Abs(float64(w[i])) || math.IsNaN(float64(g[i])) {
			t.Fatalf("%s: element %d = %g, want %g", what, i, g[i], w[i])
		}
	}
}

// Linear must give the reference's result when dst is x itself or overlaps
// it, through the scratch copy, on both the serial and the parallel path.
func TestLinearAliasing(t *testing.T) {
	b, ref := newTest(t, Options{}), naive.New()
	rng := rand.New(rand.NewSource(7))
	for _, c := range []struct{ m, k int }{{3, 4}, {196, 256}} {
		t.Run(fmt.Sprintf("%dx%d", c.m, c.k), func(t *testing.T) {
			x, xr := pairOf(t, b, ref, rng, c.m, c.k, 1)
			w, wr := pairOf(t, b, ref, rng, c.k, c.k, 0.1)
			bias, biasr := pairOf(t, b, ref, rng, 1, c.k, 0.5)
			b.Linear(x, x, w, bias, compute.GELUTanh)
			ref.Linear(xr, xr, wr, biasr, compute.GELUTanh)
			assertClose(t, "dst = x", b, ref, x, xr, 2e-5, 2e-5)
		})
	}
}

// Attention with dst = q, masks down to a single key and no key at all, and
// a pooling-head shape with one query.
func TestAttentionEdges(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, opt := range []Options{{}, {BLAS: "off"}} {
		b, ref := newTest(t, opt), naive.New()
		for _, c := range []struct {
			seqs, qlen, klen, heads, hd int
			valid                       []int
			probs, inPlace              bool
		}{
			{2, 5, 5, 2, 8, []int{1, 5}, true, false},
			{3, 7, 9, 3, 4, []int{0, 9, 2}, true, false},
			{2, 1, 300, 4, 16, []int{300, 17}, true, false},
			{1, 200, 200, 2, 32, nil, false, true},
			{2, 70, 70, 3, 16, []int{70, 0}, false, true},
		} {
			t.Run(fmt.Sprintf("%s/%v", b.Name(), c), func(t *testing.T) {
				w := c.heads * c.hd
				shape := compute.AttentionShape{Seqs: c.seqs, QLen: c.qlen, KLen: c.klen, Heads: c.heads, HeadDim: c.hd, Scale: 0.3, ValidKeys: c.valid}
				q, qr := pairOf(t, b, ref, rng, c.seqs*c.qlen, w, 1)
				k, kr := pairOf(t, b, ref, rng, c.seqs*c.klen, w, 1)
				v, vr := pairOf(t, b, ref, rng, c.seqs*c.klen, w, 1)
				dst, dstr := q, qr
				if !c.inPlace {
					dst, dstr = pairOf(t, b, ref, rng, c.seqs*c.qlen, w, 1)
				}
				var p, pr compute.Tensor
				if c.probs {
					p, pr = pairOf(t, b, ref, rng, c.seqs*c.heads*c.qlen, c.klen, 1)
				}
				b.Attention(dst, q, k, v, p, shape)
				ref.Attention(dstr, qr, kr, vr, pr, shape)
				assertClose(t, "output", b, ref, dst, dstr, 2e-5, 2e-5)
				if c.probs {
					assertClose(t, "probabilities", b, ref, p, pr, 2e-6, 0)
					// Padding keys must be exactly 0.
					for s, n := range c.valid {
						for r := s * c.heads * c.qlen; r < (s+1)*c.heads*c.qlen; r++ {
							for j := n; j < c.klen; j++ {
								if p.Host[r*p.Stride+j] != 0 {
									t.Fatalf("probability of padding key %d in row %d = %g", j, r, p.Host[r*p.Stride+j])
								}
							}
						}
					}
				}
			})
		}
	}
}

// Shape errors are programming errors and must panic with a message, not
// corrupt memory.
func TestShapePanics(t *testing.T) {
	b := newTest(t, Options{})
	a, _ := b.Alloc(4, 4)
	c, _ := b.Alloc(4, 5)
	for name, f := range map[string]func(){
		"linear":    func() { b.Linear(a, a, c, compute.Tensor{}, compute.NoActivation) },
		"layernorm": func() { b.LayerNorm(a, c, a, a, 1e-6) },
		"add":       func() { b.Add(a, a, c) },
		"attention": func() {
			b.Attention(a, a, a, a, compute.Tensor{}, compute.AttentionShape{Seqs: 1, QLen: 4, KLen: 4, Heads: 2, HeadDim: 3})
		},
		"valid keys": func() {
			b.Attention(a, a, a, a, compute.Tensor{}, compute.AttentionShape{Seqs: 1, QLen: 4, KLen: 4, Heads: 2, HeadDim: 2, ValidKeys: []int{5}})
		},
		"dst=k": func() {
			b.Attention(a, c.ColRange(0, 4), a, a, compute.Tensor{}, compute.AttentionShape{Seqs: 1, QLen: 4, KLen: 4, Heads: 2, HeadDim: 2})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched shapes did not panic", name)
				}
			}()
			f()
		}()
	}
}

// Steady-state operations allocate nothing.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, opt := range []Options{{}, {BLAS: "off"}} {
		b := newTest(t, opt)
		l := newEncoderLayer(t, b, 2, 80)
		l.forward()
		if n := testing.AllocsPerRun(3, l.forward); n != 0 {
			t.Errorf("%s: an encoder layer allocates %v times", b.Name(), n)
		}
	}
}

func TestOptions(t *testing.T) {
	if _, err := New(Options{SIMD: "sse9"}); err == nil {
		t.Error("unknown SIMD level accepted")
	}
	if _, err := New(Options{BLAS: "/nonexistent/libopenblas.so"}); err == nil {
		t.Error("a missing forced BLAS library did not fail")
	}
	if _, err := New(Options{Threads: -1}); err == nil {
		t.Error("negative thread count accepted")
	}
	b := newTest(t, Options{BLAS: "off", Threads: 3})
	in := b.Info()
	if in.BLAS != "" || in.Threads != 3 || in.Hint != "" {
		t.Errorf("BLAS off: info %+v", in)
	}
	t.Setenv("SIGLIP2_BLAS", "/nonexistent/libopenblas.so")
	b = newTest(t, Options{})
	// A failed load falls back to Go; the hint to install OpenBLAS is
	// given only where the Go kernels are the slower ones (no AVX-512).
	if in := b.Info(); in.BLAS != "" || (in.Hint == "") != in.Direct || in.BLASError == "" {
		t.Errorf("a failed automatic load must fall back with a hint unless the direct kernels run: %+v", in)
	}
	t.Setenv("SIGLIP2_BLAS", "")
	b = newTest(t, Options{})
	if in := b.Info(); in.Direct != gemm.HasDirect() || (in.Direct && (in.BLAS != "" || in.Hint != "")) {
		t.Errorf("automatic mode: direct kernels %v on a CPU where they run: %v; info %+v", in.Direct, gemm.HasDirect(), in)
	}
	_ = setSIMD("")
}
