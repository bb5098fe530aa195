package viz

import (
	"math"
	"strings"
	"testing"
)

// naiveCosine is the textbook formula in float64.
func naiveCosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

func TestSimilarityMap(t *testing.T) {
	withZeros := randFloats(3, 6*5)
	for d := range 5 {
		withZeros[2*5+d] = 0 // token 2 is a zero vector
	}
	cases := []struct {
		name                  string
		features              []float32
		dim, tokens, valid, q int
	}{
		{"square grid", randFloats(1, 16*7), 7, 16, 16, 5},
		{"padding ignored", randFloats(2, 12*9), 9, 12, 10, 0},
		{"last valid token", randFloats(4, 10*3), 3, 10, 10, 9},
		{"zero row", withZeros, 5, 6, 6, 4},
		{"zero query", withZeros, 5, 6, 6, 2},
		{"one token", []float32{1, 2}, 2, 1, 1, 0},
		{"dim not multiple of 4", randFloats(5, 8*13), 13, 8, 8, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SimilarityMap(c.features, c.dim, c.valid, c.q)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, c.valid)
			q := c.features[c.q*c.dim : (c.q+1)*c.dim]
			for i := range want {
				want[i] = naiveCosine(q, c.features[i*c.dim:(i+1)*c.dim])
			}
			assertClose(t, "similarity", got, want, 1e-6, 1e-6)
		})
	}
}

func TestSimilarityMapSelfIsOne(t *testing.T) {
	f := randFloats(9, 20*11)
	for q := range 20 {
		got, err := SimilarityMap(f, 11, 20, q)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(got[q])-1) > 1e-6 {
			t.Fatalf("query %d: self-similarity %v, want 1", q, got[q])
		}
	}
}

func TestSimilarityMapErrors(t *testing.T) {
	f := randFloats(1, 4*3)
	cases := []struct {
		name          string
		features      []float32
		dim, valid, q int
		want          string
	}{
		{"zero dim", f, 0, 4, 0, "dimension"},
		{"not whole tokens", f[:11], 3, 3, 0, "whole number"},
		{"too many valid", f, 3, 5, 0, "only 4"},
		{"no valid", f, 3, 0, 0, "at least one"},
		{"query too big", f, 3, 4, 4, "outside"},
		{"query padding", f, 3, 3, 3, "outside"},
		{"negative query", f, 3, 4, -1, "outside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SimilarityMap(c.features, c.dim, c.valid, c.q)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
