package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestMulT checks the direct-A product on every kernel table this machine
// runs: the portable Go kernels always, the AVX-512 ones where present.
func TestMulT(t *testing.T) {
	defer func() { Force = "" }()
	for _, kn := range kernels() {
		Force = kn
		t.Run(DirectName(), testMulT)
	}
}

func testMulT(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var cx Context
	for _, c := range []struct {
		m, n, k, lda int
		acc          bool
	}{
		{1, 1, 1, 1, false},
		{13, 35, 7, 9, false},
		{14, 32, 300, 300, true},
		{15, 33, 129, 3072, false}, // copied A (bad stride), k > kc
		{29, 1100, 40, 40, true},   // n > nc
		{197, 70, 64, 70, false},   // m > mc
		{196, 96, 768, 768, false},
		{3, 5, 0, 1, false},
		{3, 5, 0, 1, true},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_lda%d_acc%v", c.m, c.n, c.k, c.lda, c.acc), func(t *testing.T) {
			ldb, ldc := c.k+5, c.n+3
			a := randSlice(rng, max(c.m*c.lda, 1))
			b := randSlice(rng, max(c.n*ldb, 1))
			got := randSlice(rng, c.m*ldc)
			orig := append([]float32(nil), got...)
			cx.MulT(c.m, c.n, c.k, a, c.lda, b, ldb, got, ldc, c.acc)
			for i := 0; i < c.m; i++ {
				for j := 0; j < ldc; j++ {
					g := got[i*ldc+j]
					if j >= c.n {
						if math.Float32bits(g) != math.Float32bits(orig[i*ldc+j]) {
							t.Fatalf("padding (%d,%d) changed", i, j)
						}
						continue
					}
					var want float64
					if c.acc {
						want = float64(orig[i*ldc+j])
					}
					for p := 0; p < c.k; p++ {
						want += float64(a[i*c.lda+p]) * float64(b[j*ldb+p])
					}
					if math.Abs(float64(g)-want) > 1e-5*(1+math.Abs(want))*math.Sqrt(float64(c.k+1)) {
						t.Fatalf("C(%d,%d) = %g, want %g", i, j, g, want)
					}
				}
			}
		})
	}
}

// TestAttentionProducts checks PackQ, AttnScores and AttnValues against a
// float64 softmax-free reference (S = scale·K·Qᵀ, then Pᵀ·V for P = S) on
// every kernel table: partial query blocks, head sizes that are not a
// multiple of 32 (masked columns) and more keys than one kernel's rows.
func TestAttentionProducts(t *testing.T) {
	defer func() { Force = "" }()
	for _, kn := range kernels() {
		Force = kn
		t.Run(DirectName(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(7))
			for _, c := range []struct{ n, valid, hd int }{{1, 1, 1}, {32, 30, 64}, {5, 17, 72}, {29, 40, 40}} {
				t.Run(fmt.Sprintf("n%d_keys%d_hd%d", c.n, c.valid, c.hd), func(t *testing.T) {
					const scale = 0.125
					ld := c.hd + 3 // rows of q, k, v and out are strided
					q, k, v := randSlice(rng, c.n*ld), randSlice(rng, c.valid*ld), randSlice(rng, c.valid*ld)
					qp := make([]float32, c.hd*AttnBlock)
					PackQ(qp, q, ld, c.hd, c.n, scale)
					s := make([]float32, c.valid*AttnBlock)
					AttnScores(c.valid, c.hd, k, ld, qp, s)
					for key := 0; key < c.valid; key++ {
						for j := 0; j < AttnBlock; j++ {
							var want float64
							for d := 0; d < c.hd && j < c.n; d++ {
								want += scale * float64(q[j*ld+d]) * float64(k[key*ld+d])
							}
							if got := s[key*AttnBlock+j]; math.Abs(float64(got)-want) > 1e-5*math.Sqrt(float64(c.hd)) {
								t.Fatalf("score of query %d, key %d = %g, want %g", j, key, got, want)
							}
						}
					}
					out := randSlice(rng, c.n*ld)
					orig := append([]float32(nil), out...)
					AttnValues(c.n, c.valid, c.hd, s, v, ld, out, ld)
					for i := 0; i < c.n; i++ {
						for d := 0; d < ld; d++ {
							got := out[i*ld+d]
							if d >= c.hd {
								if math.Float32bits(got) != math.Float32bits(orig[i*ld+d]) {
									t.Fatalf("padding (%d,%d) changed", i, d)
								}
								continue
							}
							var want float64
							for key := 0; key < c.valid; key++ {
								want += float64(s[key*AttnBlock+i]) * float64(v[key*ld+d])
							}
							if math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want))*math.Sqrt(float64(c.valid)) {
								t.Fatalf("out(%d,%d) = %g, want %g", i, d, got, want)
							}
						}
					}
				})
			}
		})
	}
}
