// Package computetest checks a compute.Backend against the naive reference
// backend on random inputs: dense and strided views, aliasing, activations,
// padding masks. Every backend's tests call Run.
package computetest

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// Tolerances bound |got − want| ≤ Abs + Rel·|want| for each kind of result.
type Tolerances struct {
	Abs, Rel float64
	// Probs bounds attention probabilities absolutely.
	Probs float64
}

// Float32 is the tolerance for a float32 backend against the float64-accumulating
// reference on the sizes used here.
var Float32 = Tolerances{Abs: 2e-5, Rel: 2e-5, Probs: 2e-6}

// Run checks every operation of b against the naive backend.
func Run(t *testing.T, b compute.Backend, tol Tolerances) {
	t.Helper()
	ref := naive.New()
	rng := rand.New(rand.NewSource(1))
	t.Run("UploadDownload", func(t *testing.T) { testUploadDownload(t, b, rng) })
	t.Run("Linear", func(t *testing.T) { testLinear(t, b, ref, rng, tol) })
	t.Run("LayerNorm", func(t *testing.T) { testLayerNorm(t, b, ref, rng, tol) })
	t.Run("Add", func(t *testing.T) { testAdd(t, b, ref, rng, tol) })
	t.Run("Attention", func(t *testing.T) { testAttention(t, b, ref, rng, tol) })
}

// pair holds the same values in the backend under test and in the reference.
type pair struct {
	got, want compute.Tensor
}

func randomValues(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

func alloc(t *testing.T, b compute.Backend, rows, cols int) compute.Tensor {
	t.Helper()
	x, err := b.Alloc(rows, cols)
	if err != nil {
		t.Fatalf("alloc %dx%d: %v", rows, cols, err)
	}
	t.Cleanup(func() { b.Free(x) })
	return x
}

// newPair allocates rows×cols with random values in both backends.
func newPair(t *testing.T, b, ref compute.Backend, rng *rand.Rand, rows, cols int, scale float64) pair {
	t.Helper()
	vals := randomValues(rng, rows*cols, scale)
	p := pair{alloc(t, b, rows, cols), alloc(t, ref, rows, cols)}
	if err := b.Upload(p.got, vals); err != nil {
		t.Fatal(err)
	}
	if err := ref.Upload(p.want, vals); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p pair) view(r0, r1, c0, c1 int) pair {
	return pair{p.got.View(r0, r1, c0, c1), p.want.View(r0, r1, c0, c1)}
}

func download(t *testing.T, b compute.Backend, x compute.Tensor) []float32 {
	t.Helper()
	if err := b.Sync(); err != nil {
		t.Fatalf("sync: %v", err)
	}
	out := make([]float32, x.Len())
	if err := b.Download(out, x); err != nil {
		t.Fatal(err)
	}
	return out
}

// compare checks the backend's tensor against the reference's.
func compare(t *testing.T, what string, b, ref compute.Backend, p pair, abs, rel float64) {
	t.Helper()
	got, want := download(t, b, p.got), download(t, ref, p.want)
	worst, at := 0.0, -1
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		excess := math.Abs(g-w) - (abs + rel*math.Abs(w))
		if math.IsNaN(g) || excess > worst {
			worst, at = excess, i
			if math.IsNaN(g) {
				worst = math.Inf(1)
			}
		}
	}
	if at >= 0 {
		t.Errorf("%s: element %d (row %d col %d) = %g, want %g (tolerance %g + %g·|want|)",
			what, at, at/p.want.Cols, at%p.want.Cols, got[at], want[at], abs, rel)
	}
}

func testUploadDownload(t *testing.T, b compute.Backend, rng *rand.Rand) {
	x := alloc(t, b, 7, 9)
	vals := randomValues(rng, 7*9, 1)
	if err := b.Upload(x, vals); err != nil {
		t.Fatal(err)
	}
	got := download(t, b, x)
	for i := range vals {
		if got[i] != vals[i] {
			t.Fatalf("dense round trip: element %d = %g, want %g", i, got[i], vals[i])
		}
	}
	v := x.View(2, 5, 3, 7)
	sub := download(t, b, v)
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			if want := vals[(r+2)*9+c+3]; sub[r*4+c] != want {
				t.Fatalf("view (%d,%d) = %g, want %g", r, c, sub[r*4+c], want)
			}
		}
	}
	repl := randomValues(rng, 12, 1)
	if err := b.Upload(v, repl); err != nil {
		t.Fatal(err)
	}
	after := download(t, b, x)
	for r := 0; r < 7; r++ {
		for c := 0; c < 9; c++ {
			want := vals[r*9+c]
			if r >= 2 && r < 5 && c >= 3 && c < 7 {
				want = repl[(r-2)*4+c-3]
			}
			if after[r*9+c] != want {
				t.Fatalf("upload into view changed (%d,%d) to %g, want %g", r, c, after[r*9+c], want)
			}
		}
	}
}

func testLinear(t *testing.T, b, ref compute.Backend, rng *rand.Rand, tol Tolerances) {
	cases := []struct {
		m, k, n      int
		bias         bool
		act          compute.Activation
		stridedInput bool // x is a column range of a wider tensor
		stridedOut   bool // dst is a column range of a wider tensor
	}{
		{1, 1, 1, false, compute.NoActivation, false, false},
		{3, 5, 7, true, compute.NoActivation, false, false},
		{17, 64, 48, true, compute.GELUTanh, false, false},
		{33, 96, 130, true, compute.GELUErf, false, false},
		{196, 64, 192, true, compute.NoActivation, false, true},
		{50, 40, 24, false, compute.GELUTanh, true, false},
		{257, 128, 64, true, compute.GELUTanh, true, true},
		{4, 768, 3, true, compute.NoActivation, false, false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%dx%dx%d/bias=%v/%v/sx=%v/sd=%v", c.m, c.k, c.n, c.bias, c.act, c.stridedInput, c.stridedOut)
		t.Run(name, func(t *testing.T) {
			x := newPair(t, b, ref, rng, c.m, c.k+5, 1).view(0, c.m, 0, c.k)
			if c.stridedInput {
				x = newPair(t, b, ref, rng, c.m, c.k+11, 1).view(0, c.m, 3, 3+c.k)
			}
			w := newPair(t, b, ref, rng, c.n, c.k, 1/math.Sqrt(float64(c.k)))
			var bias pair
			if c.bias {
				bias = newPair(t, b, ref, rng, 1, c.n, 0.5)
			}
			dst := newPair(t, b, ref, rng, c.m, c.n, 1)
			if c.stridedOut {
				dst = newPair(t, b, ref, rng, c.m, 2*c.n+3, 1).view(0, c.m, c.n, 2*c.n)
			}
			b.Linear(dst.got, x.got, w.got, bias.got, c.act)
			ref.Linear(dst.want, x.want, w.want, bias.want, c.act)
			compare(t, "linear", b, ref, dst, tol.Abs, tol.Rel)
		})
	}
}

func testLayerNorm(t *testing.T, b, ref compute.Backend, rng *rand.Rand, tol Tolerances) {
	for _, c := range []struct {
		rows, cols int
		inPlace    bool
		offset     float64
	}{{1, 1, false, 0}, {5, 64, false, 3}, {196, 768, true, 0}, {9, 100, true, -20}} {
		t.Run(fmt.Sprintf("%dx%d/inplace=%v", c.rows, c.cols, c.inPlace), func(t *testing.T) {
			x := newPair(t, b, ref, rng, c.rows, c.cols, 2)
			if c.offset != 0 { // a large mean tests a numerically careful variance
				shift := make([]float32, c.rows*c.cols)
				for i := range shift {
					shift[i] = float32(c.offset)
				}
				s := pair{alloc(t, b, c.rows, c.cols), alloc(t, ref, c.rows, c.cols)}
				_ = b.Upload(s.got, shift)
				_ = ref.Upload(s.want, shift)
				b.Add(x.got, x.got, s.got)
				ref.Add(x.want, x.want, s.want)
			}
			gain := newPair(t, b, ref, rng, 1, c.cols, 1)
			bias := newPair(t, b, ref, rng, 1, c.cols, 1)
			dst := x
			if !c.inPlace {
				dst = newPair(t, b, ref, rng, c.rows, c.cols, 1)
			}
			b.LayerNorm(dst.got, x.got, gain.got, bias.got, 1e-6)
			ref.LayerNorm(dst.want, x.want, gain.want, bias.want, 1e-6)
			compare(t, "layernorm", b, ref, dst, tol.Abs, tol.Rel)
		})
	}
}

func testAdd(t *testing.T, b, ref compute.Backend, rng *rand.Rand, tol Tolerances) {
	a := newPair(t, b, ref, rng, 13, 70, 1)
	c := newPair(t, b, ref, rng, 13, 70, 1)
	b.Add(a.got, a.got, c.got)
	ref.Add(a.want, a.want, c.want)
	compare(t, "add in place", b, ref, a, 0, 0)
	d := newPair(t, b, ref, rng, 13, 90, 1).view(0, 13, 10, 80)
	b.Add(d.got, a.got, c.got)
	ref.Add(d.want, a.want, c.want)
	compare(t, "add into view", b, ref, d, 0, 0)
}

func testAttention(t *testing.T, b, ref compute.Backend, rng *rand.Rand, tol Tolerances) {
	cases := []struct {
		seqs, qlen, klen, heads, headDim int
		masked, fused, withProbs         bool
	}{
		{1, 1, 1, 1, 1, false, false, true},
		{2, 16, 16, 4, 16, false, true, true},
		{3, 64, 64, 4, 16, true, true, true},
		{2, 1, 49, 12, 8, true, false, true}, // a pooling head: one query per sequence
		{1, 196, 196, 12, 64, false, true, false},
		{4, 37, 37, 3, 24, true, false, false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("s%d_q%d_k%d_h%d_d%d/mask=%v/fused=%v/probs=%v", c.seqs, c.qlen, c.klen, c.heads, c.headDim, c.masked, c.fused, c.withProbs)
		t.Run(name, func(t *testing.T) {
			width := c.heads * c.headDim
			shape := compute.AttentionShape{Seqs: c.seqs, QLen: c.qlen, KLen: c.klen, Heads: c.heads, HeadDim: c.headDim,
				Scale: float32(1 / math.Sqrt(float64(c.headDim)))}
			if c.masked {
				for s := 0; s < c.seqs; s++ {
					shape.ValidKeys = append(shape.ValidKeys, 1+rng.Intn(c.klen))
				}
			}
			var q, k, v pair
			if c.fused { // q, k, v as column blocks of one QKV projection
				qkv := newPair(t, b, ref, rng, c.seqs*c.klen, 3*width, 1.5)
				q, k, v = qkv.view(0, c.seqs*c.qlen, 0, width), qkv.view(0, c.seqs*c.klen, width, 2*width), qkv.view(0, c.seqs*c.klen, 2*width, 3*width)
			} else {
				q = newPair(t, b, ref, rng, c.seqs*c.qlen, width, 1.5)
				k = newPair(t, b, ref, rng, c.seqs*c.klen, width, 1.5)
				v = newPair(t, b, ref, rng, c.seqs*c.klen, width, 1.5)
			}
			dst := newPair(t, b, ref, rng, c.seqs*c.qlen, width, 1)
			var probs pair
			if c.withProbs {
				probs = newPair(t, b, ref, rng, c.seqs*c.heads*c.qlen, c.klen, 1)
			}
			b.Attention(dst.got, q.got, k.got, v.got, probs.got, shape)
			ref.Attention(dst.want, q.want, k.want, v.want, probs.want, shape)
			compare(t, "attention output", b, ref, dst, tol.Abs, tol.Rel)
			if c.withProbs {
				compare(t, "attention probabilities", b, ref, probs, tol.Probs, 0)
			}
		})
	}
}
