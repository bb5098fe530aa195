package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func TestMulT(t *testing.T) {
	if !HasDirect() {
		t.Skip("no AVX-512")
	}
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
