package cpu

import (
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/blas"
)

func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"auto", Options{}},
		{"blas=off", Options{BLAS: "off"}},
		{"threads=1", Options{Threads: 1}},
		{"threads=3/blas=off/avx2", Options{Threads: 3, BLAS: "off", SIMD: "avx2"}},
		{"generic", Options{SIMD: "generic"}},
		{"neon/blas=off", Options{SIMD: "neon", BLAS: "off"}}, // generic on amd64
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := New(c.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			t.Logf("%s", b.Name())
			computetest.Run(t, b, computetest.Float32)
		})
	}
	_ = setSIMD("")
}

// TestConformanceThroughCBLAS runs the suite with the BLAS library called
// through cblas_sgemm, the C interface a library without sgemm_ gets (the
// code path Accelerate would take if macOS dropped its Fortran symbols).
func TestConformanceThroughCBLAS(t *testing.T) {
	t.Setenv(blas.InterfaceEnvVar, "cblas")
	lib, err := blas.Open("auto")
	if err != nil {
		t.Skipf("no BLAS with cblas_sgemm here: %v", err)
	}
	b, err := New(Options{BLAS: lib.Path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if in := b.Info(); in.BLASInterface != "cblas_sgemm" {
		t.Fatalf("products go through %q, want cblas_sgemm: %+v", in.BLASInterface, in)
	}
	t.Logf("%s", b.Name())
	computetest.Run(t, b, computetest.Float32)
}
