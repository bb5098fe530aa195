package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// The SigLIP 2 base towers: hidden 768, MLP 3072, 12 heads of 64, 12 layers.
const (
	hidden  = 768
	mlp     = 3072
	heads   = 12
	headDim = 64
	layers  = 12
)

// visionTokens are the sequence lengths at 224, 384 and 512 px.
var visionTokens = []int{196, 576, 1024}

func newBench(b *testing.B, opt Options) *Backend {
	b.Helper()
	be, err := New(opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(be.Close)
	return be
}

func randTensor(b testing.TB, be compute.Backend, rng *rand.Rand, rows, cols int, scale float64) compute.Tensor {
	t, err := be.Alloc(rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	for i := range t.Host {
		t.Host[i] = float32(rng.NormFloat64() * scale)
	}
	return t
}

// meter reports a benchmark's rate against wall time (GFLOP/s, what a user
// waits for) and against the CPU time the process used (GFLOP/cpu-s, the
// work per core, which other processes on a shared machine disturb less).
type meter struct{ cpu0 float64 }

// startMeter resets the benchmark timer and notes the CPU time.
func startMeter(b *testing.B) meter {
	b.ReportAllocs()
	b.ResetTimer()
	return meter{cpuSeconds()}
}

// report stops the timer and reports the rates; it returns the CPU seconds
// used per operation.
func (m meter) report(b *testing.B, flopPerOp float64) float64 {
	cpu := cpuSeconds() - m.cpu0
	b.StopTimer()
	ops := flopPerOp * float64(b.N)
	b.ReportMetric(ops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(ops/cpu/1e9, "GFLOP/cpu-s")
	}
	return cpu / float64(b.N)
}

// backends are the configurations the benchmarks compare.
func benchBackends() []struct {
	name string
	opt  Options
} {
	return []struct {
		name string
		opt  Options
	}{{"blas", Options{}}, {"go", Options{BLAS: "off"}}}
}

// BenchmarkLinear runs the encoder's four products at the real sizes,
// plain (the sgemm ceiling of this backend) and with their bias and GELU.
func BenchmarkLinear(b *testing.B) {
	for _, bk := range benchBackends() {
		be := newBench(b, bk.opt)
		for _, tokens := range visionTokens {
			for _, c := range []struct {
				name string
				n, k int
				act  compute.Activation
			}{
				{"qkv", 3 * hidden, hidden, compute.NoActivation},
				{"out", hidden, hidden, compute.NoActivation},
				{"fc1", mlp, hidden, compute.GELUTanh},
				{"fc2", hidden, mlp, compute.NoActivation},
			} {
				rng := rand.New(rand.NewSource(1))
				x := randTensor(b, be, rng, tokens, c.k, 1)
				w := randTensor(b, be, rng, c.n, c.k, 1/math.Sqrt(float64(c.k)))
				bias := randTensor(b, be, rng, 1, c.n, 0.1)
				dst := randTensor(b, be, rng, tokens, c.n, 0)
				flop := 2 * float64(tokens*c.n*c.k)
				for _, fused := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/%d/plain", bk.name, c.name, tokens)
					bi, act := compute.Tensor{}, compute.NoActivation
					if fused {
						name = fmt.Sprintf("%s/%s/%d/bias+%v", bk.name, c.name, tokens, c.act)
						bi, act = bias, c.act
					}
					b.Run(name, func(b *testing.B) {
						m := startMeter(b)
						for i := 0; i < b.N; i++ {
							be.Linear(dst, x, w, bi, act)
						}
						m.report(b, flop)
					})
				}
			}
		}
	}
}

// BenchmarkLibrarySgemm is the library alone on the whole product with its
// own threads (two), the ceiling the backend's split is measured against.
func BenchmarkLibrarySgemm(b *testing.B) {
	be := newBench(b, Options{})
	if be.lib == nil {
		b.Skip("no BLAS")
	}
	defer be.lib.SetNumThreads(1)
	for _, threads := range []int{1, 2} {
		for _, s := range []struct{ m, n, k int }{{196, 3072, 768}, {1024, 3072, 768}, {1024, 768, 3072}} {
			b.Run(fmt.Sprintf("t%d/%dx%dx%d", threads, s.m, s.n, s.k), func(b *testing.B) {
				be.lib.SetNumThreads(threads)
				rng := rand.New(rand.NewSource(1))
				x, w := randTensor(b, be, rng, s.m, s.k, 1), randTensor(b, be, rng, s.n, s.k, 1)
				c := randTensor(b, be, rng, s.m, s.n, 0)
				call := be.lib.NewCall()
				m := startMeter(b)
				for i := 0; i < b.N; i++ {
					call.Sgemm(false, true, s.m, s.n, s.k, 1, x.Host, s.k, w.Host, s.k, 0, c.Host, s.n)
				}
				m.report(b, 2*float64(s.m*s.n*s.k))
			})
		}
	}
}

// BenchmarkAttention runs 12 heads of 64 over one sequence, with q, k and v
// as column blocks of one QKV projection as the encoder lays them out.
func BenchmarkAttention(b *testing.B) {
	for _, bk := range benchBackends() {
		be := newBench(b, bk.opt)
		for _, tokens := range visionTokens {
			rng := rand.New(rand.NewSource(2))
			qkv := randTensor(b, be, rng, tokens, 3*hidden, 1)
			q, k, v := qkv.ColRange(0, hidden), qkv.ColRange(hidden, 2*hidden), qkv.ColRange(2*hidden, 3*hidden)
			dst := randTensor(b, be, rng, tokens, hidden, 0)
			probs := randTensor(b, be, rng, heads*tokens, tokens, 0)
			shape := compute.AttentionShape{Seqs: 1, QLen: tokens, KLen: tokens, Heads: heads, HeadDim: headDim, Scale: 0.125}
			flop := 4 * float64(tokens*tokens*hidden)
			for _, withProbs := range []bool{false, true} {
				p := compute.Tensor{}
				if withProbs {
					p = probs
				}
				b.Run(fmt.Sprintf("%s/%d/probs=%v", bk.name, tokens, withProbs), func(b *testing.B) {
					m := startMeter(b)
					for i := 0; i < b.N; i++ {
						be.Attention(dst, q, k, v, p, shape)
					}
					m.report(b, flop)
				})
			}
		}
	}
}

func BenchmarkLayerNorm(b *testing.B) {
	be := newBench(b, Options{})
	for _, tokens := range visionTokens {
		rng := rand.New(rand.NewSource(3))
		x := randTensor(b, be, rng, tokens, hidden, 1)
		g, bias := randTensor(b, be, rng, 1, hidden, 1), randTensor(b, be, rng, 1, hidden, 1)
		dst := randTensor(b, be, rng, tokens, hidden, 0)
		b.Run(fmt.Sprint(tokens), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				be.LayerNorm(dst, x, g, bias, 1e-6)
			}
			b.ReportMetric(float64(tokens*hidden)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	be := newBench(b, Options{})
	for _, tokens := range visionTokens {
		rng := rand.New(rand.NewSource(4))
		x, y := randTensor(b, be, rng, tokens, hidden, 1), randTensor(b, be, rng, tokens, hidden, 1)
		b.Run(fmt.Sprint(tokens), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				be.Add(x, x, y)
			}
			b.ReportMetric(float64(tokens*hidden)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}

// encoderLayer holds the weights and activations of one pre-norm ViT block
// (SigLIP's encoder layer) for seqs sequences of tokens each.
type encoderLayer struct {
	be                          compute.Backend
	seqs, tokens                int
	ln1g, ln1b, ln2g, ln2b      compute.Tensor
	wqkv, bqkv, wo, bo          compute.Tensor
	w1, b1, w2, b2              compute.Tensor
	h, ln, qkv, attn, proj, mid compute.Tensor
}

func newEncoderLayer(b testing.TB, be compute.Backend, seqs, tokens int) *encoderLayer {
	rng := rand.New(rand.NewSource(5))
	rows := seqs * tokens
	l := &encoderLayer{be: be, seqs: seqs, tokens: tokens}
	r := func(rows, cols int, scale float64) compute.Tensor { return randTensor(b, be, rng, rows, cols, scale) }
	l.ln1g, l.ln1b, l.ln2g, l.ln2b = r(1, hidden, 0.1), r(1, hidden, 0.1), r(1, hidden, 0.1), r(1, hidden, 0.1)
	for i := range l.ln1g.Host {
		l.ln1g.Host[i]++
		l.ln2g.Host[i]++
	}
	l.wqkv, l.bqkv = r(3*hidden, hidden, 1/math.Sqrt(hidden)), r(1, 3*hidden, 0.1)
	l.wo, l.bo = r(hidden, hidden, 1/math.Sqrt(hidden)), r(1, hidden, 0.1)
	l.w1, l.b1 = r(mlp, hidden, 1/math.Sqrt(hidden)), r(1, mlp, 0.1)
	l.w2, l.b2 = r(hidden, mlp, 1/math.Sqrt(mlp)), r(1, hidden, 0.1)
	l.h, l.ln, l.qkv = r(rows, hidden, 1), r(rows, hidden, 0), r(rows, 3*hidden, 0)
	l.attn, l.proj, l.mid = r(rows, hidden, 0), r(rows, hidden, 0), r(rows, mlp, 0)
	return l
}

// forward runs the block in place on l.h, through the Backend interface only.
func (l *encoderLayer) forward() {
	be := l.be
	be.LayerNorm(l.ln, l.h, l.ln1g, l.ln1b, 1e-6)
	be.Linear(l.qkv, l.ln, l.wqkv, l.bqkv, compute.NoActivation)
	be.Attention(l.attn, l.qkv.ColRange(0, hidden), l.qkv.ColRange(hidden, 2*hidden), l.qkv.ColRange(2*hidden, 3*hidden),
		compute.Tensor{}, compute.AttentionShape{Seqs: l.seqs, QLen: l.tokens, KLen: l.tokens, Heads: heads, HeadDim: headDim, Scale: 0.125})
	be.Linear(l.proj, l.attn, l.wo, l.bo, compute.NoActivation)
	be.Add(l.h, l.h, l.proj)
	be.LayerNorm(l.ln, l.h, l.ln2g, l.ln2b, 1e-6)
	be.Linear(l.mid, l.ln, l.w1, l.b1, compute.GELUTanh)
	be.Linear(l.proj, l.mid, l.w2, l.b2, compute.NoActivation)
	be.Add(l.h, l.h, l.proj)
	// Keep the residual stream bounded over many iterations.
	be.LayerNorm(l.h, l.h, l.ln1g, l.ln1b, 1e-6)
}

func (l *encoderLayer) flop() float64 {
	rows := float64(l.seqs * l.tokens)
	return 2*rows*hidden*(3*hidden+hidden+2*mlp) + 4*float64(l.seqs)*float64(l.tokens*l.tokens)*hidden
}

// BenchmarkEncoderLayer times one encoder block; forward_s is twelve of
// them, the tower's forward pass without the patch embedding and head, and
// forward_cpu_s the same from CPU time divided by the threads: what the
// forward would take with the cores to itself, on a machine shared with
// other work.
func BenchmarkEncoderLayer(b *testing.B) {
	shapes := []struct {
		name         string
		seqs, tokens int
	}{{"vision196", 1, 196}, {"vision576", 1, 576}, {"vision1024", 1, 1024}, {"text10x64", 10, 64}}
	// One thread too: its GFLOP/cpu-s against BenchmarkOverhead's library
	// alone is the share of the time spent outside the products.
	for _, bk := range append(benchBackends(), struct {
		name string
		opt  Options
	}{"blas-1thread", Options{Threads: 1}}) {
		be := newBench(b, bk.opt)
		for _, s := range shapes {
			l := newEncoderLayer(b, be, s.seqs, s.tokens)
			b.Run(bk.name+"/"+s.name, func(b *testing.B) {
				l.forward()
				m := startMeter(b)
				for i := 0; i < b.N; i++ {
					l.forward()
				}
				cpu := m.report(b, l.flop())
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*layers, "forward_s")
				// The forward time if every thread had a core to itself.
				b.ReportMetric(cpu*layers/float64(be.info.Threads), "forward_cpu_s")
			})
		}
	}
}
