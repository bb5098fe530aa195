package viz

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randFloats returns n values uniform in [-1, 1) from a fixed seed.
func randFloats(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.Float64()*2 - 1)
	}
	return out
}

// randSoftmaxRows returns heads×tokens×tokens attention whose rows are
// softmax distributions over the first valid keys, zero on padding keys.
func randSoftmaxRows(seed uint64, heads, tokens, valid int) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]float32, heads*tokens*tokens)
	for h := range heads {
		for i := range tokens {
			row := out[(h*tokens+i)*tokens:][:tokens]
			var s float64
			for j := range valid {
				v := math.Exp(3 * r.Float64())
				row[j] = float32(v)
				s += v
			}
			for j := range valid {
				row[j] = float32(float64(row[j]) / s)
			}
		}
	}
	return out
}

// closeTo reports |got-want| ≤ abs + rel·|want|.
func closeTo(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

func assertClose(t *testing.T, what string, got []float32, want []float64, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !closeTo(float64(got[i]), want[i], abs, rel) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
