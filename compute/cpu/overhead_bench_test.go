package cpu

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// BenchmarkOverhead measures, on one thread where other processes disturb
// the timing least, what the backend adds to the library's products: the
// plain library call against Linear without and with its bias+GELU
// epilogue, and Attention against its two products per head alone.
func BenchmarkOverhead(b *testing.B) {
	be := newBench(b, Options{Threads: 1})
	if be.lib == nil {
		b.Skip("no BLAS")
	}
	rng := rand.New(rand.NewSource(1))
	for _, tokens := range []int{196, 1024} {
		x := randTensor(b, be, rng, tokens, hidden, 1)
		w := randTensor(b, be, rng, mlp, hidden, 0.03)
		bias := randTensor(b, be, rng, 1, mlp, 0.1)
		dst := randTensor(b, be, rng, tokens, mlp, 0)
		flop := 2 * float64(tokens*mlp*hidden)
		b.Run(fmt.Sprintf("raw/%d", tokens), func(b *testing.B) {
			call := be.lib.NewCall()
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				call.Sgemm(false, true, tokens, mlp, hidden, 1, x.Host, hidden, w.Host, hidden, 0, dst.Host, mlp)
			}
			m.report(b, flop)
		})
		b.Run(fmt.Sprintf("linear/%d", tokens), func(b *testing.B) {
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				be.Linear(dst, x, w, compute.Tensor{}, compute.NoActivation)
			}
			m.report(b, flop)
		})
		b.Run(fmt.Sprintf("linear+gelu/%d", tokens), func(b *testing.B) {
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				be.Linear(dst, x, w, bias, compute.GELUTanh)
			}
			m.report(b, flop)
		})
		qkv := randTensor(b, be, rng, tokens, 3*hidden, 1)
		q, k, v := qkv.ColRange(0, hidden), qkv.ColRange(hidden, 2*hidden), qkv.ColRange(2*hidden, 3*hidden)
		ad := randTensor(b, be, rng, tokens, hidden, 0)
		shape := compute.AttentionShape{Seqs: 1, QLen: tokens, KLen: tokens, Heads: heads, HeadDim: headDim, Scale: 0.125}
		b.Run(fmt.Sprintf("attn/%d", tokens), func(b *testing.B) {
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				be.Attention(ad, q, k, v, compute.Tensor{}, shape)
			}
			m.report(b, 4*float64(tokens*tokens*hidden))
		})
		sc := randTensor(b, be, rng, tokens, tokens, 0)
		b.Run(fmt.Sprintf("attn-gemms-only/%d", tokens), func(b *testing.B) {
			call := be.lib.NewCall()
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				for h := 0; h < heads; h++ {
					call.Sgemm(false, true, tokens, tokens, headDim, 0.125, q.Host[h*64:], q.Stride, k.Host[h*64:], k.Stride, 0, sc.Host, tokens)
					call.Sgemm(false, false, tokens, headDim, tokens, 1, sc.Host, tokens, v.Host[h*64:], v.Stride, 0, ad.Host[h*64:], ad.Stride)
				}
			}
			m.report(b, 4*float64(tokens*tokens*hidden))
		})
	}
}
