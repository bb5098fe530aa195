package cpu

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// linearOut runs dst = x·wᵀ + bias on b and returns dst's values.
func linearOut(t *testing.T, b *Backend, x, w, bias compute.Tensor) []float32 {
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

// A weight prepared at load time multiplies exactly as the same weight
// packed on first use; weights the Backend cannot prepare are refused; a
// view into a prepared weight is a programming error; Free forgets it.
func TestPreparedLinearWeights(t *testing.T) {
	b := newTest(t, Options{})
	rng := rand.New(rand.NewSource(7))
	const m, k, n = 37, 256, 150 // n·k above minPacked; n ends in a partial 32-column strip
	x := randTensor(t, b, rng, m, k, 1)
	w := randTensor(t, b, rng, n, k, 0.05)
	bias := randTensor(t, b, rng, 1, n, 0.1)
	want := linearOut(t, b, x, w, bias)

	p, ok := b.PrepareLinearWeight(w)
	if !b.direct {
		if ok {
			t.Fatal("prepared a weight without the direct kernels")
		}
		t.Skip("no AVX-512 direct kernels on this CPU: weights are not prepared")
	}
	if !ok || p.Rows != n || p.Cols != k {
		t.Fatalf("PrepareLinearWeight: %v, %dx%d", ok, p.Rows, p.Cols)
	}
	clear(w.Host) // not retained: the prepared copy stands alone
	if got := linearOut(t, b, x, p, bias); !slices.Equal(got, want) {
		t.Error("Linear with the prepared weight differs from the weight packed on first use")
	}
	if small, ok := b.PrepareLinearWeight(randTensor(t, b, rng, 8, 8, 1)); ok {
		t.Errorf("prepared a %dx%d weight, below the packing threshold", small.Rows, small.Cols)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Linear with a row range of a prepared weight did not panic")
			}
		}()
		linearOut(t, b, x, p.RowRange(0, 32), compute.Tensor{})
	}()
	b.Free(p)
	if b.cache.lookup(p) != nil {
		t.Error("Free kept the prepared weight's entry")
	}
}

// A weight packed on first use is repacked after an Upload changes it.
func TestPackedCopyFollowsUploads(t *testing.T) {
	b := newTest(t, Options{})
	if !b.direct {
		t.Skip("no AVX-512 direct kernels on this CPU: nothing is packed")
	}
	rng := rand.New(rand.NewSource(8))
	x := randTensor(t, b, rng, 20, 256, 1)
	w := randTensor(t, b, rng, 96, 256, 0.05)
	first := linearOut(t, b, x, w, compute.Tensor{})
	if b.cache.lookup(w) == nil {
		t.Fatal("the weight was not packed on first use")
	}
	v := make([]float32, w.Len())
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	if err := b.Upload(w, v); err != nil {
		t.Fatal(err)
	}
	if b.cache.lookup(w) != nil {
		t.Error("Upload kept the stale packed copy")
	}
	if again := linearOut(t, b, x, w, compute.Tensor{}); slices.Equal(again, first) {
		t.Error("Linear after an Upload gave the old weight's result")
	}
}
