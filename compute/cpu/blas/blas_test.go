package blas

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"sync"
	"testing"
)

func openOrSkip(t testing.TB) *Library {
	t.Helper()
	lib, err := Open("auto")
	if err != nil {
		t.Skipf("no BLAS here: %v", err)
	}
	return lib
}

// forEachInterface runs f with the library called through each interface
// it has: the Fortran sgemm_ and the C cblas_sgemm (Accelerate on macOS
// is reached through the same two).
func forEachInterface(t *testing.T, f func(t *testing.T, lib *Library)) {
	for _, iface := range []string{"fortran", "cblas"} {
		t.Run(iface, func(t *testing.T) {
			t.Setenv(InterfaceEnvVar, iface)
			lib, err := Open("auto")
			if err != nil {
				t.Skipf("no BLAS with the %s interface here: %v", iface, err)
			}
			if want := map[string]string{"fortran": "sgemm_", "cblas": "cblas_sgemm"}[iface]; lib.Interface != want {
				t.Fatalf("%s=%s loaded %s through %s", InterfaceEnvVar, iface, lib.Path, lib.Interface)
			}
			f(t, lib)
		})
	}
}

// refGemm is a float64 triple loop over the same row-major conventions.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			c[i*ldc+j] = float32(float64(alpha)*s + float64(beta)*float64(c[i*ldc+j]))
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func TestSgemmMatchesReference(t *testing.T) { forEachInterface(t, testSgemmMatchesReference) }

func testSgemmMatchesReference(t *testing.T, lib *Library) {
	t.Logf("%s", lib)
	rng := rand.New(rand.NewSource(3))
	for _, c := range []struct {
		ta, tb      bool
		m, n, k     int
		pad         int // extra elements per row of every operand
		alpha, beta float32
	}{
		{false, true, 1, 1, 1, 0, 1, 0},
		{false, true, 7, 5, 3, 2, 1, 0},
		{false, false, 13, 17, 29, 3, 0.5, 0},
		{true, false, 9, 11, 6, 1, 2, 1},
		{true, true, 4, 6, 8, 0, -1, 0.5},
		{false, true, 196, 72, 64, 64, 0.125, 0},
		{false, false, 33, 64, 0, 0, 1, 0.5}, // k = 0: C = beta·C
	} {
		t.Run(fmt.Sprintf("%v%v_%dx%dx%d", c.ta, c.tb, c.m, c.n, c.k), func(t *testing.T) {
			ar, ac := c.m, c.k
			if c.ta {
				ar, ac = c.k, c.m
			}
			br, bc := c.k, c.n
			if c.tb {
				br, bc = c.n, c.k
			}
			lda, ldb, ldc := ac+c.pad, bc+c.pad, c.n+c.pad
			a, b := randSlice(rng, max(ar*lda, 1)), randSlice(rng, max(br*ldb, 1))
			got := randSlice(rng, c.m*ldc)
			want := append([]float32(nil), got...)
			lib.NewCall().Sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
			refGemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("element %d = %g, want %g", i, got[i], want[i])
				}
			}
		})
	}
}

// Goroutines calling the library at once, each with its own Call, must not
// disturb each other (the CPU backend runs one single-threaded call per worker).
func TestSgemmConcurrent(t *testing.T) { forEachInterface(t, testSgemmConcurrent) }

func testSgemmConcurrent(t *testing.T, lib *Library) {
	rng := rand.New(rand.NewSource(4))
	const m, n, k = 64, 96, 80
	a, b := randSlice(rng, m*k), randSlice(rng, n*k)
	want := make([]float32, m*n)
	refGemm(false, true, m, n, k, 1, a, k, b, k, 0, want, n)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := lib.NewCall()
			c := make([]float32, m*n)
			for it := 0; it < 50; it++ {
				call.Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
				for i := range c {
					if math.Abs(float64(c[i]-want[i])) > 1e-4 {
						errs <- fmt.Errorf("iteration %d element %d = %g, want %g", it, i, c[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestOpenSpecs(t *testing.T) {
	if _, err := Open("off"); !errors.Is(err, ErrDisabled) {
		t.Errorf("Open(off) = %v, want ErrDisabled", err)
	}
	if _, err := Open("/nonexistent/libnothing.so"); err == nil {
		t.Error("Open of a missing path succeeded")
	}
	t.Setenv(EnvVar, "off")
	if _, err := Open(""); !errors.Is(err, ErrDisabled) {
		t.Errorf("Open(\"\") with %s=off = %v, want ErrDisabled", EnvVar, err)
	}
	t.Setenv(EnvVar, "")
	t.Setenv(InterfaceEnvVar, "fortran77")
	if _, err := Open(""); err == nil || !strings.Contains(err.Error(), InterfaceEnvVar) {
		t.Errorf("Open with %s=fortran77 = %v, want an error naming the variable", InterfaceEnvVar, err)
	}
}

func TestThreadsAndInfo(t *testing.T) {
	lib := openOrSkip(t)
	if lib.Vendor != "OpenBLAS" {
		t.Skipf("thread control is OpenBLAS-only; got %s", lib.Vendor)
	}
	old := lib.NumThreads()
	defer lib.SetNumThreads(old)
	lib.SetNumThreads(1)
	if got := lib.NumThreads(); got != 1 {
		t.Errorf("NumThreads after SetNumThreads(1) = %d", got)
	}
	if lib.CoreName() == "" || lib.Config() == "" {
		t.Errorf("empty core name %q or config %q", lib.CoreName(), lib.Config())
	}
}

func BenchmarkSgemm(b *testing.B) {
	lib := openOrSkip(b)
	for _, s := range []struct{ m, n, k int }{{196, 2304, 768}, {196, 3072, 768}, {196, 768, 3072}, {1024, 3072, 768}, {1024, 1024, 1024}} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/t%d", s.m, s.n, s.k, threads), func(b *testing.B) {
				lib.SetNumThreads(threads)
				rng := rand.New(rand.NewSource(1))
				x, w, c := randSlice(rng, s.m*s.k), randSlice(rng, s.n*s.k), make([]float32, s.m*s.n)
				call := lib.NewCall()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					call.Sgemm(false, true, s.m, s.n, s.k, 1, x, s.k, w, s.k, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// The Fortran interface, the default, calls without allocating (the C one,
// through RegisterFunc, allocates by design).
func TestSgemmDoesNotAllocate(t *testing.T) {
	t.Setenv(InterfaceEnvVar, "fortran")
	lib := openOrSkip(t)
	rng := rand.New(rand.NewSource(5))
	a, b, c := randSlice(rng, 32*48), randSlice(rng, 40*48), make([]float32, 32*40)
	call := lib.NewCall()
	if n := testing.AllocsPerRun(100, func() { call.Sgemm(false, true, 32, 40, 48, 1, a, 48, b, 48, 0, c, 40) }); n != 0 {
		t.Errorf("Sgemm allocates %v times per call", n)
	}
}
