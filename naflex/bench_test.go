package naflex

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkResizePositions measures the position-grid resize for the
// So400m NaFlex table (16x16x1152) to typical grids.
func BenchmarkResizePositions(b *testing.B) {
	const side, dim = 16, 1152
	r := rand.New(rand.NewPCG(1, 2))
	table := make([]float32, side*side*dim)
	for i := range table {
		table[i] = float32(r.NormFloat64())
	}
	for _, g := range [][2]int{{14, 18}, {16, 16}, {32, 32}, {8, 32}} {
		b.Run(fmt.Sprintf("%dx%d", g[0], g[1]), func(b *testing.B) {
			for b.Loop() {
				if _, err := ResizePositions(table, side, dim, g[0], g[1]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTargetSize measures the size bisection.
func BenchmarkTargetSize(b *testing.B) {
	for b.Loop() {
		if _, _, err := TargetSize(3000, 4000, 16, 256); err != nil {
			b.Fatal(err)
		}
	}
}
