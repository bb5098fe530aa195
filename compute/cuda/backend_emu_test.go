package cuda

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

func newEmulated(t *testing.T) (*Backend, *emulator) {
	t.Helper()
	e := newEmulator()
	b := newBackend(e, "cuda (emulated)", Info{})
	t.Cleanup(func() {
		if e.depth != 0 {
			t.Errorf("enter/leave unbalanced: depth %d", e.depth)
		}
	})
	return b, e
}

// TestEmulatedConformance runs the shared conformance suite on the backend
// driving the emulator: every GEMM transposition, leading dimension,
// pointer offset, kernel argument list and launch shape the backend makes
// is checked against the naive reference.
func TestEmulatedConformance(t *testing.T) {
	b, e := newEmulated(t)
	computetest.Run(t, b, computetest.Float32)
	for _, k := range kernelSpecs {
		if e.launches[k.name] == 0 {
			t.Errorf("kernel %s never launched", k.name)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// upload allocates rows×cols with random values in both backends.
func upload(t *testing.T, b, ref compute.Backend, rng *rand.Rand, rows, cols int) (compute.Tensor, compute.Tensor) {
	t.Helper()
	vals := make([]float32, rows*cols)
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	x, err := b.Alloc(rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := ref.Alloc(rows, cols)
	if err := b.Upload(x, vals); err != nil {
		t.Fatal(err)
	}
	_ = ref.Upload(y, vals)
	return x, y
}

func fetch(t *testing.T, b compute.Backend, x compute.Tensor) []float32 {
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

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol+tol*math.Abs(float64(want[i]))) {
			t.Fatalf("%s: element %d = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestEmulatedAttentionPaths covers what the conformance suite does not:
// more sequences than one softmax launch carries, masked per-sequence
// batching into scratch (padding scores never written), a sequence with no
// valid key, and dst aliasing q.
func TestEmulatedAttentionPaths(t *testing.T) {
	checkAttentionPaths(t, func(t *testing.T) compute.Backend { b, _ := newEmulated(t); return b })
}

// checkAttentionPaths runs the attention cases on backends from newB.
func checkAttentionPaths(t *testing.T, newB func(t *testing.T) compute.Backend) {
	cases := []struct {
		name                             string
		seqs, qlen, klen, heads, headDim int
		valid                            func(s int) int
		probs, aliasQ                    bool
	}{
		{"chunked head batching", 130, 2, 5, 2, 3, func(s int) int { return 1 + s%5 }, true, false},
		{"chunked head batching, scratch", 131, 1, 4, 3, 2, func(s int) int { return 1 + s%4 }, false, false},
		{"per-sequence masked scratch", 2, 7, 9, 4, 5, func(s int) int { return 3 + 4*s }, false, false},
		{"no valid key", 2, 3, 4, 3, 2, func(s int) int { return 2 * s }, true, false},
		{"no valid key, head batching", 4, 3, 4, 2, 2, func(s int) int { return s % 2 * 4 }, true, false},
		{"dst is q, per sequence", 2, 6, 6, 4, 4, nil, true, true},
		{"dst is q, per head", 5, 6, 6, 2, 4, nil, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newB(t)
			ref := naive.New()
			rng := rand.New(rand.NewSource(7))
			width := c.heads * c.headDim
			shape := compute.AttentionShape{Seqs: c.seqs, QLen: c.qlen, KLen: c.klen, Heads: c.heads, HeadDim: c.headDim, Scale: 0.4}
			if c.valid != nil {
				for s := 0; s < c.seqs; s++ {
					shape.ValidKeys = append(shape.ValidKeys, c.valid(s))
				}
			}
			q, qr := upload(t, b, ref, rng, c.seqs*c.qlen, width)
			k, kr := upload(t, b, ref, rng, c.seqs*c.klen, width)
			v, vr := upload(t, b, ref, rng, c.seqs*c.klen, width)
			dst, dr := upload(t, b, ref, rng, c.seqs*c.qlen, width)
			if c.aliasQ {
				dst, dr = q, qr
			}
			var p, pr compute.Tensor
			if c.probs {
				p, pr = upload(t, b, ref, rng, c.seqs*c.heads*c.qlen, c.klen)
			}
			b.Attention(dst, q, k, v, p, shape)
			ref.Attention(dr, qr, kr, vr, pr, shape)
			assertClose(t, "output", fetch(t, b, dst), fetch(t, ref, dr), 1e-5)
			if c.probs {
				assertClose(t, "probabilities", fetch(t, b, p), fetch(t, ref, pr), 1e-6)
			}
		})
	}
}

// TestEmulatedLinearAliasing checks that a Linear whose output overlaps an
// input computes into scratch (cuBLAS must not write what it reads).
func TestEmulatedLinearAliasing(t *testing.T) {
	b, _ := newEmulated(t)
	checkLinearAliasing(t, b)
}

// checkLinearAliasing runs Linear with overlapping operands and K = 0.
func checkLinearAliasing(t *testing.T, b compute.Backend) {
	ref := naive.New()
	rng := rand.New(rand.NewSource(3))
	x, xr := upload(t, b, ref, rng, 6, 8)
	w, wr := upload(t, b, ref, rng, 8, 8)
	bias, br := upload(t, b, ref, rng, 1, 8)
	b.Linear(x, x, w, bias, compute.GELUErf)
	ref.Linear(xr, xr, wr, br, compute.GELUErf)
	assertClose(t, "dst = x", fetch(t, b, x), fetch(t, ref, xr), 1e-5)

	// dst is a column range of the tensor x is another column range of.
	wide, wider := upload(t, b, ref, rng, 5, 10)
	w2, w2r := upload(t, b, ref, rng, 4, 6)
	b.Linear(wide.ColRange(6, 10), wide.ColRange(0, 6), w2, compute.Tensor{}, compute.NoActivation)
	ref.Linear(wider.ColRange(6, 10), wider.ColRange(0, 6), w2r, compute.Tensor{}, compute.NoActivation)
	assertClose(t, "dst beside x", fetch(t, b, wide), fetch(t, ref, wider), 1e-5)

	// K = 0: the product is empty, so dst = act(bias).
	empty, _ := b.Alloc(3, 0)
	w0, _ := b.Alloc(4, 0)
	d0, _ := b.Alloc(3, 4)
	b0, b0r := upload(t, b, ref, rng, 1, 4)
	b.Linear(d0, empty, w0, b0, compute.NoActivation)
	got := fetch(t, b, d0)
	want := fetch(t, ref, b0r)
	for r := 0; r < 3; r++ {
		assertClose(t, "k=0 row", got[r*4:r*4+4], want, 0)
	}
}

// TestEmulatedStickyError checks that a failed operation skips the later
// ones and surfaces, with the failing call's name, from Sync.
func TestEmulatedStickyError(t *testing.T) {
	b, e := newEmulated(t)
	x, _ := b.Alloc(2, 3)
	w, _ := b.Alloc(4, 3)
	d, _ := b.Alloc(2, 4)
	e.failGemm = &blasError{fn: "cublasSgemm_v2", code: 14}
	b.Linear(d, x, w, compute.Tensor{}, compute.GELUTanh)
	b.Add(d, d, d)
	if n := e.launches["add"] + e.launches["bias_act"]; n != 0 {
		t.Errorf("%d kernels launched after the failure, want 0", n)
	}
	err := b.Sync()
	var be *blasError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "cublasSgemm_v2: CUBLAS_STATUS_INTERNAL_ERROR") {
		t.Fatalf("Sync = %v, want the cuBLAS failure", err)
	}
	if err := b.Sync(); err != nil {
		t.Fatalf("second Sync = %v, want nil once reported", err)
	}
	b.Add(d, d, d)
	if err := b.Sync(); err != nil || e.launches["add"] != 1 {
		t.Fatalf("after recovery: Sync %v, %d adds", err, e.launches["add"])
	}
}

// TestEmulatedMemoryErrors covers Free misuse, bad Upload/Download sizes and
// use after Close.
func TestEmulatedMemoryErrors(t *testing.T) {
	b, _ := newEmulated(t)
	x, err := b.Alloc(4, 4)
	if err != nil {
		t.Fatal(err)
	}
	b.Free(x.RowRange(0, 2))
	if err := b.Sync(); err == nil || !strings.Contains(err.Error(), "Alloc did not return") {
		t.Errorf("freeing a view: Sync = %v", err)
	}
	if err := b.Upload(x, make([]float32, 15)); err == nil {
		t.Error("upload of too few values succeeded")
	}
	if err := b.Download(make([]float32, 3), x.RowRange(0, 1)); err == nil {
		t.Error("download into too small a slice succeeded")
	}
	if _, err := b.Alloc(-1, 3); err == nil {
		t.Error("negative alloc succeeded")
	}
	z, err := b.Alloc(0, 7)
	if err != nil || z.Dev != 0 || z.Stride != 7 {
		t.Errorf("empty alloc = %+v, %v", z, err)
	}
	b.Free(x)
	b.Free(x)
	if err := b.Sync(); err == nil {
		t.Error("double free went unnoticed")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Alloc(2, 2); !errors.Is(err, errClosed) {
		t.Errorf("alloc after close = %v", err)
	}
	if err := b.Sync(); !errors.Is(err, errClosed) {
		t.Errorf("sync after close = %v", err)
	}
}

// TestShapeMismatchPanics checks the interface's rule that shape mismatches
// and foreign tensors are programming errors.
func TestShapeMismatchPanics(t *testing.T) {
	b, _ := newEmulated(t)
	x, _ := b.Alloc(2, 3)
	w, _ := b.Alloc(4, 3)
	d, _ := b.Alloc(2, 5)
	host := compute.Tensor{Rows: 2, Cols: 4, Stride: 4, Host: make([]float32, 8)}
	for name, f := range map[string]func(){
		"linear shape":   func() { b.Linear(d, x, w, compute.Tensor{}, compute.NoActivation) },
		"foreign tensor": func() { b.Linear(host, x, w, compute.Tensor{}, compute.NoActivation) },
		"add shape":      func() { b.Add(d, x, x) },
		"valid keys": func() {
			b.Attention(x, x, x, x, compute.Tensor{}, compute.AttentionShape{Seqs: 1, QLen: 2, KLen: 2, Heads: 1, HeadDim: 3, ValidKeys: []int{3}})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
