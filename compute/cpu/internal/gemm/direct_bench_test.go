package gemm

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkMulTPacked times the direct-A product with a packed weight on
// one goroutine, at the encoder's shapes (rows × out × in).
func BenchmarkMulTPacked(b *testing.B) {
	if !HasDirect() {
		b.Skip("no AVX-512")
	}
	for _, s := range [][3]int{{196, 2304, 768}, {196, 768, 768}, {196, 3072, 768}, {196, 768, 3072}, {1024, 3072, 768}, {1024, 768, 3072}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			x, w, c := randSlice(rng, m*k), randSlice(rng, n*k), make([]float32, m*n)
			var p Packed
			p.Pack(n, k, w, k)
			var cx Context
			cpuRate(b, 2*float64(m*n*k), func() { cx.MulTPacked(m, 0, n, x, k, &p, c, n, false) })
		})
	}
}

// BenchmarkPack times packing a weight for MulTPacked: into memory packed
// before (warm) and into fresh memory (cold, as at load time).
func BenchmarkPack(b *testing.B) {
	for _, s := range [][2]int{{3072, 768}, {768, 3072}} {
		n, k := s[0], s[1]
		w := randSlice(rand.New(rand.NewSource(1)), n*k)
		b.Run(fmt.Sprintf("warm/%dx%d", n, k), func(b *testing.B) {
			var p Packed
			for i := 0; i < b.N; i++ {
				p.Pack(n, k, w, k)
			}
			b.ReportMetric(float64(n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloat/s")
		})
		b.Run(fmt.Sprintf("fresh/%dx%d", n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				var p Packed
				p.Pack(n, k, w, k)
			}
			b.ReportMetric(float64(n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloat/s")
		})
	}
}

func BenchmarkMulW(b *testing.B) {
	if !HasDirect() {
		b.Skip("no AVX-512")
	}
	for _, s := range [][3]int{{196, 2304, 768}, {196, 768, 768}, {196, 3072, 768}, {196, 768, 3072}, {1024, 3072, 768}, {1024, 768, 3072}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			x, w, c := randSlice(rng, m*k), randSlice(rng, n*k), make([]float32, m*n)
			var p XPack
			var cx Context
			cpuRate(b, 2*float64(m*n*k), func() {
				p.Reset(m, k)
				p.PackStrips(x, k, 0, p.Strips())
				cx.MulW(0, m, 0, n, &p, w, k, nil, c, n)
			})
		})
	}
}

// BenchmarkMulTPackedBF16 times the bfloat16 product with a packed weight
// on one goroutine, A's rounding included.
func BenchmarkMulTPackedBF16(b *testing.B) {
	if !HasBF16() {
		b.Skip("no AVX512_BF16")
	}
	for _, s := range [][3]int{{196, 2304, 768}, {196, 768, 768}, {196, 3072, 768}, {196, 768, 3072}, {1024, 3072, 768}, {1024, 768, 3072}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			rng := rand.New(rand.NewSource(1))
			x, w, c := randSlice(rng, m*k), randSlice(rng, n*k), make([]float32, m*n)
			kw := BF16Words(k)
			var p Packed
			p.Reset(n, kw)
			p.PackBF16Strips(w, k, k, 0, p.Strips(), make([]float32, 32*kw))
			xb := make([]float32, m*kw)
			var cx Context
			cpuRate(b, 2*float64(m*n*k), func() {
				RowsBF16(xb, x, k, k, 0, m)
				cx.MulTPackedBF16(m, 0, n, xb, kw, &p, c, n)
			})
		})
	}
}
