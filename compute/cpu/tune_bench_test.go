package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// BenchmarkTuneLinearSplit compares how finely Linear splits a product
// between the workers (blocks per worker).
func BenchmarkTuneLinearSplit(b *testing.B) {
	be := newBench(b, Options{})
	defer func(v int) { linTasksPerThread = v }(linTasksPerThread)
	for _, tokens := range []int{196, 1024} {
		for _, c := range []struct {
			name string
			n, k int
		}{{"qkv", 3 * hidden, hidden}, {"fc2", hidden, mlp}} {
			rng := rand.New(rand.NewSource(1))
			x := randTensor(b, be, rng, tokens, c.k, 1)
			w := randTensor(b, be, rng, c.n, c.k, 1/math.Sqrt(float64(c.k)))
			dst := randTensor(b, be, rng, tokens, c.n, 0)
			for _, per := range []int{1, 2, 4, 8} {
				b.Run(fmt.Sprintf("%s/%d/per%d", c.name, tokens, per), func(b *testing.B) {
					linTasksPerThread = per
					m := startMeter(b)
					for i := 0; i < b.N; i++ {
						be.Linear(dst, x, w, compute.Tensor{}, compute.NoActivation)
					}
					m.report(b, 2*float64(tokens*c.n*c.k))
				})
			}
		}
	}
}

// BenchmarkTuneAttentionBlock compares query-block sizes (scores per block).
func BenchmarkTuneAttentionBlock(b *testing.B) {
	be := newBench(b, Options{})
	defer func(v int) { attnScores = v }(attnScores)
	for _, tokens := range visionTokens {
		rng := rand.New(rand.NewSource(2))
		qkv := randTensor(b, be, rng, tokens, 3*hidden, 1)
		q, k, v := qkv.ColRange(0, hidden), qkv.ColRange(hidden, 2*hidden), qkv.ColRange(2*hidden, 3*hidden)
		dst := randTensor(b, be, rng, tokens, hidden, 0)
		shape := compute.AttentionShape{Seqs: 1, QLen: tokens, KLen: tokens, Heads: heads, HeadDim: headDim, Scale: 0.125}
		for _, sc := range []int{1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18, 1 << 20} {
			b.Run(fmt.Sprintf("%d/scores%dK", tokens, sc>>10), func(b *testing.B) {
				attnScores = sc
				m := startMeter(b)
				for i := 0; i < b.N; i++ {
					be.Attention(dst, q, k, v, compute.Tensor{}, shape)
				}
				m.report(b, 4*float64(tokens*tokens*hidden))
			})
		}
	}
}
