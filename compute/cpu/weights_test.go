package cpu

import (
	"math"
	"math/rand"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
	"github.com/siglip2-tui/siglip2-tui/compute/naive"
)

// linearOut runs dst = GELU(x·wᵀ + bias) on b and returns dst's values.
func linearOut(t *testing.T, b compute.Backend, x, w, bias compute.Tensor) []float32 {
	t.Helper()
	dst, err := b.Alloc(x.Rows, w.Rows)
	if err != nil {
		t.Fatal(err)
	}
	b.Linear(dst, x, w, bias, compute.GELUTanh)
	out := make([]float32, dst.Len())
	if err := b.Download(out, dst); err != nil {
		t.Fatal(err)
	}
	return out
}

// values fills a host slice with random values.
func values(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

// reference is GELU(x·wᵀ + bias) on the naive backend.
func reference(t *testing.T, x, w, bias []float32, m, k, n int) []float32 {
	t.Helper()
	ref := naive.New()
	xt, _ := ref.Alloc(m, k)
	wt, _ := ref.Alloc(n, k)
	bt, _ := ref.Alloc(1, n)
	ref.Upload(xt, x)
	ref.Upload(wt, w)
	ref.Upload(bt, bias)
	return linearOut(t, ref, xt, wt, bt)
}

func assertNear(t *testing.T, what string, got, want []float32, abs, rel float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= abs+rel*math.Abs(float64(want[i]))) {
			t.Fatalf("%s: element %d = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// A weight read in place multiplies like the reference, is packed in the
// background after its first use (its release then called once), still
// multiplies the same from the packed copy, and Free forgets it.
func TestHostWeightPackedInBackground(t *testing.T) {
	b := newTest(t, Options{})
	rng := rand.New(rand.NewSource(7))
	const m, k, n = 70, 256, 200
	xv, wv, bv := values(rng, m*k, 1), values(rng, n*k, 0.05), values(rng, n, 0.1)
	want := reference(t, xv, wv, bv, m, k, n)
	var released atomic.Int32
	w, ok := b.HostWeight(wv, n, k, func() { released.Add(1) })
	if !b.direct {
		// A library or the Go sgemm multiplies: the loader makes a copy.
		if ok {
			t.Fatal("HostWeight read a weight in place without the direct kernels")
		}
		t.Skip("no AVX-512 direct kernels: weights are copied, nothing is read in place")
	}
	if !ok || &w.Host[0] != &wv[0] {
		t.Fatal("HostWeight copied the weight")
	}
	x, _ := b.Alloc(m, k)
	bias, _ := b.Alloc(1, n)
	b.Upload(x, xv)
	b.Upload(bias, bv)
	assertNear(t, "in place", linearOut(t, b, x, w, bias), want, 2e-5, 2e-5)
	e := b.reg.lookup(w)
	deadline := time.Now().Add(10 * time.Second)
	for e.bg.Load() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.bg.Load() == nil {
		t.Fatal("the weight was not packed in the background")
	}
	if released.Load() != 1 {
		t.Errorf("release called %d times, want once", released.Load())
	}
	assertNear(t, "packed in the background", linearOut(t, b, x, w, bias), want, 2e-5, 2e-5)
	// A view is multiplied in place, as it is.
	v := w.RowRange(32, 96)
	got := linearOut(t, b, x, v, bias.ColRange(32, 96))
	for r := 0; r < m; r++ {
		assertNear(t, "a view of it", got[r*64:(r+1)*64], want[r*n+32:r*n+96], 2e-5, 2e-5)
	}
	b.Free(w)
	if b.reg.lookup(w) != nil {
		t.Error("Free kept the weight")
	}
}

// A prepared weight multiplies like the reference: in float32 within float32
// rounding, in bfloat16 exactly as float64 sums over the operands rounded
// to bfloat16 (so within the bfloat16 error of the reference); a part of it
// is refused; Free forgets it.
func TestPreparedWeights(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	const m, k, n = 37, 300, 150 // n ends in a partial strip, k is not a multiple of the blocks
	xv, wv, bv := values(rng, m*k, 1), values(rng, n*k, 0.05), values(rng, n, 0.1)
	want := reference(t, xv, wv, bv, m, k, n)
	for _, prec := range []string{"", PrecisionBF16} {
		b := newTest(t, Options{Precision: prec})
		if prec != "" && !b.bf16 {
			t.Logf("bf16 not available here: %s", b.info.PrecisionNote)
			continue
		}
		w, _ := b.Alloc(n, k)
		x, _ := b.Alloc(m, k)
		bias, _ := b.Alloc(1, n)
		b.Upload(w, wv)
		b.Upload(x, xv)
		b.Upload(bias, bv)
		p, ok := b.PrepareLinearWeight(w)
		if !b.direct {
			if ok {
				t.Error("prepared a weight without the direct kernels")
			}
			continue
		}
		if !ok {
			t.Fatalf("precision %q: PrepareLinearWeight refused a %dx%d weight", prec, n, k)
		}
		got := linearOut(t, b, x, p, bias)
		if prec == "" {
			assertNear(t, "float32 prepared", got, want, 2e-5, 2e-5)
		} else {
			exact := bf16Reference(xv, wv, bv, m, k, n)
			assertNear(t, "bf16 against sums of the rounded operands", got, exact, 1e-5, 1e-5)
			assertNear(t, "bf16 against float32", got, want, 2e-2, 2e-2)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a part of a prepared weight was accepted")
				}
			}()
			b.Linear(x.View(0, m, 0, 64), x, p.RowRange(0, 64), compute.Tensor{}, compute.NoActivation)
		}()
		b.Free(p)
		if b.reg.lookup(p) != nil {
			t.Error("Free kept the prepared weight")
		}
	}
}

// bf16Reference is GELU(x·wᵀ + bias) with x and w rounded to bfloat16, in
// float64.
func bf16Reference(x, w, bias []float32, m, k, n int) []float32 {
	r := func(f float32) float64 { return float64(math.Float32frombits(uint32(gemm.RoundBF16(f)) << 16)) }
	out := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := float64(bias[j])
			for q := 0; q < k; q++ {
				s += r(x[i*k+q]) * r(w[j*k+q])
			}
			u := math.Sqrt(2/math.Pi) * (s + 0.044715*s*s*s)
			out[i*n+j] = float32(0.5 * s * (1 + math.Tanh(u)))
		}
	}
	return out
}

// bf16 is never the default; where the CPU (or SIGLIP2_SIMD) lacks
// AVX512_BF16 it falls back to float32 with a note saying why and what
// runs (and passes the float32 conformance suite); when on, the name says
// so (the status line shows it) and the operations pass the suite within
// bf16's tolerance: the attention scores Q·Kᵀ run in bfloat16 there
// (products with weights that were not prepared, and everything else, stay
// float32).
func TestBF16ModeAndFallback(t *testing.T) {
	defer setSIMD("")
	if b := newTest(t, Options{}); b.bf16 || strings.Contains(b.Name(), "bf16") {
		t.Errorf("bf16 is on by default: %s", b.Name())
	}
	b := newTest(t, Options{Precision: PrecisionBF16, SIMD: "avx512"})
	if b.bf16 || b.info.BF16 || strings.Contains(b.Name(), "bf16") {
		t.Errorf("SIMD avx512 (no BF16 extension) still runs bf16: %s", b.Name())
	}
	if note := b.info.PrecisionNote; !strings.Contains(note, "AVX512_BF16") || !strings.Contains(note, "float32") {
		t.Errorf("fallback note %q does not say what is missing and what runs", note)
	}
	computetest.Run(t, b, computetest.Float32)
	if _, err := New(Options{Precision: "fp8"}); err == nil {
		t.Error("an unknown precision was accepted")
	}
	b = newTest(t, Options{Precision: PrecisionBF16})
	if !gemm.HasBF16() {
		t.Skipf("this CPU has no AVX512_BF16: %s", b.info.PrecisionNote)
	}
	if !b.bf16 || !strings.HasSuffix(b.Name(), ", bf16)") {
		t.Errorf("bf16 asked for on a CPU that has it: %s", b.Name())
	}
	// Scores from operands rounded to 8 significant bits (2⁻⁹ relative
	// each) over 24-64 terms of random inputs: a few percent of the output.
	computetest.Run(t, b, computetest.Tolerances{Abs: 5e-2, Rel: 5e-2, Probs: computetest.Float32.Probs})
}

// The query, key and value products of one input share its packing; a
// write to the input between them is seen.
func TestPackedInputReuse(t *testing.T) {
	b := newTest(t, Options{})
	rng := rand.New(rand.NewSource(3))
	const m, k, n = 50, 128, 96
	xv, wv, bv := values(rng, m*k, 1), values(rng, n*k, 0.1), make([]float32, n)
	x, _ := b.Alloc(m, k)
	w, _ := b.Alloc(n, k)
	bias, _ := b.Alloc(1, n)
	b.Upload(x, xv)
	b.Upload(w, wv)
	assertNear(t, "first product", linearOut(t, b, x, w, bias), reference(t, xv, wv, bv, m, k, n), 2e-5, 2e-5)
	assertNear(t, "same input again", linearOut(t, b, x, w, bias), reference(t, xv, wv, bv, m, k, n), 2e-5, 2e-5)
	xv2 := values(rng, m*k, 1)
	b.Upload(x, xv2)
	assertNear(t, "after an upload", linearOut(t, b, x, w, bias), reference(t, xv2, wv, bv, m, k, n), 2e-5, 2e-5)
	other, _ := b.Alloc(m, k)
	b.Upload(other, xv)
	b.Add(x, other, other) // an operation writing the input
	for i := range xv2 {
		xv2[i] = xv[i] + xv[i]
	}
	assertNear(t, "after an Add into it", linearOut(t, b, x, w, bias), reference(t, xv2, wv, bv, m, k, n), 2e-5, 2e-5)
}

// An input whose row stride crowds L1 sets (the MLP's 3072-wide hidden
// rows) is copied once with a padded stride for a prepared weight; the
// product is the reference's.
func TestCrowdedInputStride(t *testing.T) {
	b := newTest(t, Options{})
	rng := rand.New(rand.NewSource(11))
	const m, k, n = 40, 3072, 64
	xv, wv, bv := values(rng, m*k, 1), values(rng, n*k, 0.02), values(rng, n, 0.1)
	x, _ := b.Alloc(m, k)
	w, _ := b.Alloc(n, k)
	bias, _ := b.Alloc(1, n)
	b.Upload(x, xv)
	b.Upload(w, wv)
	b.Upload(bias, bv)
	if p, ok := b.PrepareLinearWeight(w); ok {
		w = p
	}
	assertNear(t, "crowded stride", linearOut(t, b, x, w, bias), reference(t, xv, wv, bv, m, k, n), 5e-5, 5e-5)
}
