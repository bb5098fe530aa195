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
	for _, bf16 := range []bool{false, true} {
		if bf16 && !HasBF16() {
			continue
		}
		for _, s := range [][3]int{{196, 2304, 768}, {196, 768, 768}, {196, 3072, 768}, {196, 768, 3072}, {1024, 3072, 768}, {1024, 768, 3072}} {
			m, n, k := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("bf16=%v/%dx%dx%d", bf16, m, n, k), func(b *testing.B) {
				rng := rand.New(rand.NewSource(1))
				x, w, c := randSlice(rng, m*k), randSlice(rng, n*k), make([]float32, m*n)
				ldw := k
				if bf16 {
					ldw = BF16Words(k)
					wb := make([]float32, n*ldw)
					for r := 0; r < n; r++ {
						ToBF16(wb[r*ldw:(r+1)*ldw], w[r*k:(r+1)*k])
					}
					w = wb
				}
				var p XPack
				var cx Context
				cpuRate(b, 2*float64(m*n*k), func() {
					p.Reset(m, k, bf16)
					p.PackStrips(x, k, 0, p.Strips())
					cx.MulW(0, m, 0, n, &p, w, ldw, nil, c, n)
				})
			})
		}
	}
}
