package viz

import (
	"strings"
	"testing"
)

// naiveRollout builds every Â_l as a full matrix and multiplies the
// matrices out in float64, exactly as the definition reads.
func naiveRollout(layers [][]float32, heads, tokens, valid, upTo, query int) []float64 {
	n := valid
	r := identity(n)
	for l := 0; l <= upTo; l++ {
		a := make([][]float64, n)
		for i := range n {
			a[i] = make([]float64, n)
			var sum float64
			for j := range n {
				var m float64
				for h := range heads {
					m += float64(layers[l][(h*tokens+i)*tokens+j])
				}
				m /= float64(heads)
				a[i][j] = 0.5 * m
				if i == j {
					a[i][j] += 0.5
				}
				sum += a[i][j]
			}
			for j := range n {
				a[i][j] /= sum
			}
		}
		r = matmul(a, r) // R_l = Â_l · R_{l-1}
	}
	return r[query]
}

func identity(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	return m
}

func matmul(a, b [][]float64) [][]float64 {
	n, k, m := len(a), len(b), len(b[0])
	out := make([][]float64, n)
	for i := range n {
		out[i] = make([]float64, m)
		for j := range m {
			for p := range k {
				out[i][j] += a[i][p] * b[p][j]
			}
		}
	}
	return out
}

func TestRolloutMatchesNaive(t *testing.T) {
	cases := []struct {
		name                                  string
		layers, heads, tokens, valid, upTo, q int
	}{
		{"one layer", 1, 2, 6, 6, 0, 3},
		{"three layers", 3, 4, 9, 9, 2, 0},
		{"stop early", 4, 2, 8, 8, 1, 7},
		{"with padding", 3, 3, 10, 7, 2, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			layers := make([][]float32, c.layers)
			for l := range layers {
				layers[l] = randSoftmaxRows(uint64(100+l), c.heads, c.tokens, c.valid)
				// Padding query rows carry garbage that must be ignored.
				for h := range c.heads {
					for i := c.valid; i < c.tokens; i++ {
						for j := range c.tokens {
							layers[l][(h*c.tokens+i)*c.tokens+j] = 9
						}
					}
				}
			}
			got, err := RolloutRow(layers, c.heads, c.tokens, c.valid, c.upTo, c.q)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveRollout(layers, c.heads, c.tokens, c.valid, c.upTo, c.q)
			assertClose(t, "rollout", got, want, 1e-6, 1e-5)
			var sum float64
			for _, v := range got {
				sum += float64(v)
			}
			if !closeTo(sum, 1, 1e-5, 0) {
				t.Fatalf("rollout row sums to %v, want 1", sum)
			}
		})
	}
}

func TestRolloutHandExamples(t *testing.T) {
	// One head, two tokens.
	selfOnly := []float32{1, 0, 0, 1}
	swap := []float32{0, 1, 1, 0}
	cases := []struct {
		name   string
		layers [][]float32
		upTo   int
		query  int
		want   []float64
	}{
		// Â = I, so R = I.
		{"self attention", [][]float32{selfOnly, selfOnly}, 1, 1, []float64{0, 1}},
		// Â = [[.5,.5],[.5,.5]].
		{"swap one layer", [][]float32{swap}, 0, 0, []float64{0.5, 0.5}},
		// Â_1·Â_0 with Â_0 = I and Â_1 = halves.
		{"swap over self", [][]float32{selfOnly, swap}, 1, 0, []float64{0.5, 0.5}},
		// Only layer 0 (self) counts when stopping there.
		{"stop before swap", [][]float32{selfOnly, swap}, 0, 0, []float64{1, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RolloutRow(c.layers, 1, 2, 2, c.upTo, c.query)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, "rollout", got, c.want, 1e-7, 0)
		})
	}
}

func TestRolloutErrors(t *testing.T) {
	good := randSoftmaxRows(1, 2, 3, 3)
	r, err := NewRollout([][]float32{good, good}, 2, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Layers() != 2 || r.Valid() != 3 {
		t.Fatalf("Layers, Valid = %d, %d; want 2, 3", r.Layers(), r.Valid())
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"no layers", func() error { _, err := NewRollout(nil, 2, 3, 3); return err }, "no layers"},
		{"bad layer", func() error { _, err := NewRollout([][]float32{good, good[:5]}, 2, 3, 3); return err }, "layer 1"},
		{"layer too big", func() error { _, err := r.Row(2, 0); return err }, "layer 2"},
		{"negative layer", func() error { _, err := r.Row(-1, 0); return err }, "layer -1"},
		{"query too big", func() error { _, err := r.Row(0, 3); return err }, "query token 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
