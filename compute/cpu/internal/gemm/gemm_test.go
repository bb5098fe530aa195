package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// kernels lists the micro-kernels this machine can run, by Force name:
// "go" and every SIMD level that selects a kernel of its own here.
func kernels() []string {
	var ks []string
	seen := map[string]bool{}
	for _, f := range []string{"go", "avx2", "avx512", "neon"} {
		Force = f
		if name := Name(); !seen[name] {
			seen[name] = true
			ks = append(ks, f)
		}
	}
	Force = ""
	return ks
}

func TestSgemm(t *testing.T) {
	for _, kn := range kernels() {
		Force = kn
		t.Run(Name(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			var cx Context
			for _, c := range []struct {
				transB      bool
				m, n, k     int
				alpha, beta float32
			}{
				{true, 1, 1, 1, 1, 0},
				{true, 13, 35, 7, 1, 0},
				{false, 13, 35, 7, 1, 0},
				{true, 12, 32, 300, 0.5, 1}, // k > kc with beta
				{false, 25, 33, 513, 1, 0.25},
				{true, 197, 70, 64, 0.125, 0}, // m > mc
				{false, 40, 3100, 20, 1, 0},   // n > nc
				{true, 196, 96, 768, 1, 0},
				{false, 7, 5, 0, 1, 0.5},      // k = 0
				{true, 16, 24, 9, 1, negZero}, // −0 must not read C either
			} {
				t.Run(fmt.Sprintf("%v_%dx%dx%d_b%g", c.transB, c.m, c.n, c.k, c.beta), func(t *testing.T) {
					pad := 3
					lda, ldc := c.k+pad, c.n+pad
					ldb := c.n + pad
					if c.transB {
						ldb = c.k + pad
					}
					a := randSlice(rng, max(c.m*lda, 1))
					var b []float32
					if c.transB {
						b = randSlice(rng, max(c.n*ldb, 1))
					} else {
						b = randSlice(rng, max(c.k*ldb, 1))
					}
					got := randSlice(rng, c.m*ldc)
					if c.beta == 0 {
						for i := range got {
							got[i] = float32(math.NaN()) // beta = 0 must not read C
						}
					}
					orig := append([]float32(nil), got...)
					cx.Sgemm(c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
					// The same product on the portable kernel, which the
					// SIMD ones must equal within the rounding bound below.
					generic := append([]float32(nil), orig...)
					force := Force
					Force = "go"
					var gcx Context
					gcx.Sgemm(c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, generic, ldc)
					Force = force
					for i := 0; i < c.m; i++ {
						for j := 0; j < ldc; j++ {
							g := got[i*ldc+j]
							if j >= c.n {
								if math.Float32bits(g) != math.Float32bits(orig[i*ldc+j]) {
									t.Fatalf("padding (%d,%d) changed", i, j)
								}
								continue
							}
							var s float64
							for p := 0; p < c.k; p++ {
								var bv float32
								if c.transB {
									bv = b[j*ldb+p]
								} else {
									bv = b[p*ldb+j]
								}
								s += float64(a[i*lda+p]) * float64(bv)
							}
							want := float64(c.alpha) * s
							if c.beta != 0 {
								want += float64(c.beta) * float64(orig[i*ldc+j])
							}
							tol := 1e-5 * (1 + math.Abs(want)) * math.Sqrt(float64(c.k+1))
							if math.Abs(float64(g)-want) > tol {
								t.Fatalf("C(%d,%d) = %g, want %g", i, j, g, want)
							}
							if gv := generic[i*ldc+j]; math.Abs(float64(g-gv)) > tol {
								t.Fatalf("C(%d,%d) = %g, the Go kernel gives %g", i, j, g, gv)
							}
						}
					}
				})
			}
		})
	}
	Force = ""
}

// negZero is −0, which Sgemm must treat as beta = 0.
var negZero = float32(math.Copysign(0, -1))

func TestSgemmDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	a, b, c := randSlice(rng, 50*60), randSlice(rng, 70*60), make([]float32, 50*70)
	var cx Context
	cx.Sgemm(true, 50, 70, 60, 1, a, 60, b, 60, 0, c, 70)
	if n := testing.AllocsPerRun(10, func() { cx.Sgemm(true, 50, 70, 60, 1, a, 60, b, 60, 0, c, 70) }); n != 0 {
		t.Errorf("Sgemm allocates %v times per call once warm", n)
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, kn := range kernels() {
		Force = kn
		name := Name()
		for _, s := range []struct {
			transB  bool
			m, n, k int
		}{{true, 196, 3072, 768}, {true, 196, 768, 3072}, {true, 1024, 1024, 1024}, {true, 196, 196, 64}, {false, 196, 64, 196}} {
			b.Run(fmt.Sprintf("%s/%v/%dx%dx%d", name, s.transB, s.m, s.n, s.k), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				x, w, c := randSlice(rng, s.m*s.k), randSlice(rng, s.n*s.k), make([]float32, s.m*s.n)
				ldb := s.n
				if s.transB {
					ldb = s.k
				}
				var cx Context
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					cx.Sgemm(s.transB, s.m, s.n, s.k, 1, x, s.k, w, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
	Force = ""
}
