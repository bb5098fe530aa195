package cpu

import (
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute/computetest"
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
