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

// BenchmarkLayerOverhead compares, on one thread, a whole encoder layer
// with the same layer's matrix products alone (the four projections and
// every head's two attention products, called on the library directly):
// the difference is everything the backend does besides multiplying.
func BenchmarkLayerOverhead(b *testing.B) {
	be := newBench(b, Options{Threads: 1})
	if be.lib == nil {
		b.Skip("no BLAS")
	}
	for _, tokens := range visionTokens {
		l := newEncoderLayer(b, be, 1, tokens)
		b.Run(fmt.Sprintf("layer/%d", tokens), func(b *testing.B) {
			l.forward()
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				l.forward()
			}
			m.report(b, l.flop())
		})
		b.Run(fmt.Sprintf("gemms-only/%d", tokens), func(b *testing.B) {
			call := be.lib.NewCall()
			scores := make([]float32, tokens*tokens)
			lin := func(dst, x, w compute.Tensor) {
				call.Sgemm(false, true, x.Rows, w.Rows, x.Cols, 1, x.Host, x.Stride, w.Host, w.Stride, 0, dst.Host, dst.Stride)
			}
			m := startMeter(b)
			for i := 0; i < b.N; i++ {
				lin(l.qkv, l.ln, l.wqkv)
				for h := 0; h < heads; h++ {
					call.Sgemm(false, true, tokens, tokens, headDim, 0.125, l.qkv.Host[h*headDim:], l.qkv.Stride,
						l.qkv.Host[hidden+h*headDim:], l.qkv.Stride, 0, scores, tokens)
					call.Sgemm(false, false, tokens, headDim, tokens, 1, scores, tokens,
						l.qkv.Host[2*hidden+h*headDim:], l.qkv.Stride, 0, l.attn.Host[h*headDim:], l.attn.Stride)
				}
				lin(l.proj, l.attn, l.wo)
				lin(l.mid, l.ln, l.w1)
				lin(l.proj, l.mid, l.w2)
			}
			m.report(b, l.flop())
		})
	}
}
