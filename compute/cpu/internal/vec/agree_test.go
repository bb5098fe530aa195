package vec

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// agree reports whether a SIMD result a matches the generic result b:
// NaN exactly where b is NaN, the same infinity where b is infinite, and
// otherwise |a − b| ≤ abs + rel·|b|.
func agree(a, b float32, abs, rel float64) bool {
	switch {
	case b != b:
		return a != a
	case math.IsInf(float64(b), 0):
		return a == b
	}
	return within(a, float64(b), abs, rel)
}

// agreeInputs are random values over the range the model feeds the kernels
// plus special ones: zeros of both signs, NaN, subnormals, and numbers
// where exp flushes to 0 or nearly overflows. Infinities and exp arguments
// above 88 are left out: there the levels differ by design (generic, AVX2
// and NEON clamp exp at exp(88), AVX-512 overflows to +Inf and gives NaN
// for GELU-tanh(−Inf)), and the model never produces them.
func agreeInputs(n int) []float32 {
	rng := rand.New(rand.NewSource(11))
	x := randVec(rng, n, 6, 0)
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), 1e-40, -1e-40,
		86.5, -87.5, -103, -1e4, 40, -40, 20, -20}
	for i, v := range specials {
		x[(i*37)%n] = v
	}
	return x
}

// TestSIMDAgreesWithGeneric runs every kernel at each SIMD level this CPU
// has and at Generic on the same inputs, special values included, at every
// tail length. Where the operation is one rounding (Add, Scale, Max) the
// results must be equal; elsewhere NaN and infinities must match and the
// values agree within twice the tolerance each level has against float64
// in the tests above (both approximate the same function).
func TestSIMDAgreesWithGeneric(t *testing.T) {
	defer SetLevel(Best())
	in := agreeInputs(lengths[len(lengths)-1])
	bias := randVec(rand.New(rand.NewSource(12)), len(in), 1, 0)
	exact := func(a, b float32, _ int) bool {
		return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
	}
	// The GELU tolerances grow with the size of the exp argument, as in
	// TestGELU; x is the GELU's argument.
	geluTanhTol := func(a, b, x float32) bool {
		_, arg := geluTanh64(float64(x))
		return agree(a, b, 1e-36, 2*(6e-7+6*arg*0x1p-24))
	}
	geluErfTol := func(a, b, x float32) bool {
		_, arg := geluErf64(float64(x))
		return agree(a, b, 1e-36, 2*(6e-7+3*arg*0x1p-24))
	}
	type kernel struct {
		name  string
		run   func(x []float32) []float32 // the outputs, one per input (and maybe a sum)
		match func(got, want float32, i int) bool
	}
	kernels := []kernel{
		{"exp", func(x []float32) []float32 { s := ExpShift(x, 1.5); return append(x, s) },
			func(a, b float32, _ int) bool { return agree(a, b, 6e-38, 4.8e-7) }},
		{"gelu_tanh", func(x []float32) []float32 { GELUTanh(x, nil); return x },
			func(a, b float32, i int) bool { return geluTanhTol(a, b, in[i]) }},
		{"gelu_tanh+bias", func(x []float32) []float32 { GELUTanh(x, bias); return x },
			func(a, b float32, i int) bool { return geluTanhTol(a, b, in[i]+bias[i]) }},
		{"gelu_erf", func(x []float32) []float32 { GELUErf(x, nil); return x },
			func(a, b float32, i int) bool { return geluErfTol(a, b, in[i]) }},
		{"gelu_erf+bias", func(x []float32) []float32 { GELUErf(x, bias); return x },
			func(a, b float32, i int) bool { return geluErfTol(a, b, in[i]+bias[i]) }},
		{"add", func(x []float32) []float32 { Add(x, x, bias); return x }, exact},
		{"scale", func(x []float32) []float32 { Scale(x, -0.37); return x }, exact},
		{"max", func(x []float32) []float32 { return []float32{Max(x)} }, exact},
		{"normalize", func(x []float32) []float32 { Normalize(x, x, 0.5, 0.25, bias, bias); return x },
			func(a, b float32, _ int) bool { return agree(a, b, 2e-6, 2e-6) }},
	}
	for _, l := range Levels()[1:] {
		t.Run(l.String(), func(t *testing.T) {
			for _, n := range lengths[1:] {
				for _, k := range kernels {
					SetLevel(Generic)
					want := k.run(append([]float32(nil), in[:n]...))
					SetLevel(l)
					got := k.run(append([]float32(nil), in[:n]...))
					for i := range want {
						if !k.match(got[i], want[i], min(i, n-1)) {
							what := fmt.Sprintf("element %d (input %g)", i, in[i%n])
							if i == n {
								what = "the sum"
							}
							t.Errorf("n=%d %s: %s = %g, generic %g", n, k.name, what, got[i], want[i])
						}
					}
				}
			}
		})
	}
}
