package viz

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchGrid is a 32×32 (1024-patch) map with a smooth bump.
func benchGrid() Grid {
	vals := make([]float32, 32*32)
	for r := range 32 {
		for c := range 32 {
			dx, dy := float64(c-20), float64(r-9)
			vals[r*32+c] = float32(math.Exp(-(dx*dx + dy*dy) / 40))
		}
	}
	return Grid{32, 32, vals}
}

// BenchmarkTerminalPath is one full redraw: resize a 512×512 image to
// 100×50 cells, blend a 1024-patch heatmap over it, emit the cells.
func BenchmarkTerminalPath(b *testing.B) {
	img := testImage(512, 512)
	g := benchGrid()
	r := MinMax(g.Values)
	for _, mode := range []ColorMode{TrueColor, ANSI256} {
		b.Run(mode.String(), func(b *testing.B) {
			for b.Loop() {
				small, err := CellImage(img, 100, 50)
				if err != nil {
					b.Fatal(err)
				}
				heat, err := Heatmap(small, g, Viridis, r, OverlayOptions{Opacity: 0.6, Smooth: true, Cursor: &Patch{9, 20}})
				if err != nil {
					b.Fatal(err)
				}
				_ = Cells(heat, mode)
			}
		})
	}
}

// BenchmarkTerminalPathCached is a redraw on a cursor move, with the
// resized image kept from the previous frame (what the TUI should do).
func BenchmarkTerminalPathCached(b *testing.B) {
	small, err := CellImage(testImage(512, 512), 100, 50)
	if err != nil {
		b.Fatal(err)
	}
	g := benchGrid()
	r := MinMax(g.Values)
	for b.Loop() {
		heat, err := Heatmap(small, g, Viridis, r, OverlayOptions{Opacity: 0.6, Smooth: true, Cursor: &Patch{9, 20}})
		if err != nil {
			b.Fatal(err)
		}
		_ = Cells(heat, TrueColor)
	}
}

// BenchmarkHeatmap512 blends at full 512×512 resolution (PNG export or
// graphics protocols).
func BenchmarkHeatmap512(b *testing.B) {
	img := testImage(512, 512)
	g := benchGrid()
	r := MinMax(g.Values)
	for b.Loop() {
		if _, err := Heatmap(img, g, Viridis, r, OverlayOptions{Opacity: 0.6, Smooth: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSimilarityMap(b *testing.B) {
	f := randFloats(1, 1024*768)
	q := 0
	for b.Loop() {
		if _, err := SimilarityMap(f, 768, 1024, q); err != nil {
			b.Fatal(err)
		}
		q = (q + 37) % 1024
	}
}

// benchAttention is 12 layers of 12-head attention over 1024 tokens. The
// layers share one buffer to keep the benchmark's memory at 50 MB; the
// work done is the same.
func benchAttention() [][]float32 {
	one := randSoftmaxRows(5, 12, 1024, 1024)
	layers := make([][]float32, 12)
	for i := range layers {
		layers[i] = one
	}
	return layers
}

func BenchmarkRollout(b *testing.B) {
	layers := benchAttention()
	b.Run("prepare", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewRollout(layers, 12, 1024, 1024); err != nil {
				b.Fatal(err)
			}
		}
	})
	r, err := NewRollout(layers, 12, 1024, 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("row_last_layer", func(b *testing.B) {
		q := 0
		for b.Loop() {
			if _, err := r.Row(11, q); err != nil {
				b.Fatal(err)
			}
			q = (q + 37) % 1024
		}
	})
}

// vitLikeFeatures has a decaying spectrum like real hidden states: a
// rank-64 signal with power-law scales, one "massive activation" channel
// and a little noise.
func vitLikeFeatures(n, dim int) []float32 {
	r := rand.New(rand.NewPCG(42, 42))
	const rank = 64
	w := make([]float64, rank*dim)
	for i := range w {
		w[i] = r.NormFloat64() / math.Sqrt(float64(dim))
	}
	out := make([]float32, n*dim)
	z := make([]float64, rank)
	for i := range n {
		for k := range z {
			z[k] = r.NormFloat64() * 10 * math.Pow(float64(k+1), -0.8)
		}
		row := out[i*dim : (i+1)*dim]
		for d := range dim {
			v := 0.1 * r.NormFloat64()
			for k := range z {
				v += z[k] * w[k*dim+d]
			}
			row[d] = float32(v)
		}
		row[7] += 40 // a constant outlier channel, as ViTs have
	}
	return out
}

func BenchmarkPCA3(b *testing.B) {
	for _, c := range []struct {
		name   string
		n, dim int
		f      []float32
	}{
		{"vitlike_1024x768", 1024, 768, vitLikeFeatures(1024, 768)},
		{"vitlike_1024x1152", 1024, 1152, vitLikeFeatures(1024, 1152)},
		{"white_noise_1024x768", 1024, 768, randFloats(3, 1024*768)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var iters int
			for b.Loop() {
				p, err := PCA3(c.f, c.dim, c.n)
				if err != nil {
					b.Fatal(err)
				}
				iters = p.Iterations
			}
			b.ReportMetric(float64(iters), "iterations")
		})
	}
}

// BenchmarkSixel512 encodes a 512×512 picture with a 256-colour palette.
func BenchmarkSixel512(b *testing.B) {
	img := testImage(512, 512)
	for b.Loop() {
		if _, err := Sixel(img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKittyPNG512 encodes a 512×512 picture for the kitty protocol.
func BenchmarkKittyPNG512(b *testing.B) {
	img := testImage(512, 512)
	for b.Loop() {
		if _, err := KittyImage(img, KittyOptions{ID: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocalityStats is one level's statistics at the largest common
// NaFlex budget: 1024 patches, half a million pairs.
func BenchmarkLocalityStats(b *testing.B) {
	const n = 1024
	sim := symmetricSim(1, n, n)
	b.ResetTimer()
	for range b.N {
		if _, _, err := LocalityStats(sim, n, 32, 32); err != nil {
			b.Fatal(err)
		}
	}
}
