package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestMulW holds MulW (float32, W in place) and MulTPackedBF16 (bfloat16,
// W packed; against the same sums over the bfloat16-rounded operands)
// against float64 sums, over shapes that exercise every edge: partial
// strips and panels, k blocks, odd k, W rows copied (a crowding stride) or
// read in place, bias or not.
func TestMulW(t *testing.T) {
	if !HasDirect() {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewSource(5))
	for _, bf16 := range []bool{false, true} {
		if bf16 && !HasBF16() {
			t.Log("no AVX512_BF16: bfloat16 cases skipped")
			continue
		}
		for _, c := range []struct {
			m, n, k, t0, t1, f0, f1 int
			bias                    bool
		}{
			{1, 1, 1, 0, 1, 0, 1, false},
			{33, 13, 7, 0, 33, 0, 13, true},
			{196, 96, 768, 0, 196, 0, 96, true},
			{196, 768, 768, 32, 196, 100, 700, false},
			{70, 40, 3072, 0, 70, 3, 40, true},  // copied W rows (12 KB apart), 12 k blocks
			{300, 50, 513, 0, 300, 0, 50, true}, // two token blocks, odd k
			{64, 200, 1024, 0, 64, 0, 200, false},
			{5, 3, 0, 0, 5, 0, 3, true},
		} {
			t.Run(fmt.Sprintf("bf16=%v/%dx%dx%d", bf16, c.m, c.n, c.k), func(t *testing.T) {
				x, w := randSlice(rng, max(c.m*c.k, 1)), randSlice(rng, max(c.n*c.k, 1))
				bias := randSlice(rng, c.n)
				ldc := c.n + 3
				got := randSlice(rng, c.m*ldc)
				orig := append([]float32(nil), got...)
				xr, wr := x, w // the values the products see
				var cx Context
				if bf16 {
					xr, wr = roundAll(x), roundAll(w)
					kw := BF16Words(c.k)
					var p Packed
					p.Reset(c.n, kw)
					p.PackBF16Strips(w, c.k, c.k, 0, p.Strips(), make([]float32, 32*kw))
					xb := make([]float32, max(c.m*kw, 1))
					RowsBF16(xb, x, c.k, c.k, 0, c.m)
					f0 := c.f0 &^ 31 // MulTPackedBF16 starts at a 32-column strip
					cx.MulTPackedBF16(c.t1-c.t0, f0, c.f1, xb[c.t0*kw:], kw, &p, got[c.t0*ldc+f0:], ldc)
					if c.bias {
						for i := c.t0; i < c.t1; i++ {
							for j := f0; j < c.f1; j++ {
								got[i*ldc+j] += bias[j]
							}
						}
					}
					for i := c.t0; i < c.t1; i++ { // columns before f0 were written too
						copy(got[i*ldc+f0:i*ldc+c.f0], orig[i*ldc+f0:i*ldc+c.f0])
					}
				} else {
					var p XPack
					p.Reset(c.m, c.k)
					p.PackStrips(x, c.k, 0, p.Strips())
					var bs []float32
					if c.bias {
						bs = bias
					}
					cx.MulW(c.t0, c.t1, c.f0, c.f1, &p, w, c.k, bs, got, ldc)
				}
				for i := 0; i < c.m; i++ {
					for j := 0; j < ldc; j++ {
						g := got[i*ldc+j]
						if i < c.t0 || i >= c.t1 || j < c.f0 || j >= c.f1 {
							if math.Float32bits(g) != math.Float32bits(orig[i*ldc+j]) {
								t.Fatalf("C(%d,%d) outside the range changed", i, j)
							}
							continue
						}
						var want, mag float64
						if c.bias {
							want = float64(bias[j])
						}
						for q := 0; q < c.k; q++ {
							v := float64(xr[i*c.k+q]) * float64(wr[j*c.k+q])
							want += v
							mag += math.Abs(v)
						}
						if math.Abs(float64(g)-want) > 1e-6*(1+mag)*math.Sqrt(float64(c.k+1)) {
							t.Fatalf("C(%d,%d) = %g, want %g", i, j, g, want)
						}
					}
				}
			})
		}
	}
}

// roundAll is v with every value rounded to bfloat16.
func roundAll(v []float32) []float32 {
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = math.Float32frombits(uint32(RoundBF16(f)) << 16)
	}
	return out
}

// TestToBF16 holds the assembly conversion against RoundBF16 (rounding to
// nearest even, checked on hand-picked ties) on rows of every length
// around the 32-value blocks.
func TestToBF16(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{1, 0x3f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // a tie: to even (down)
		{math.Float32frombits(0x3f818000), 0x3f82}, // a tie: to even (up)
		{math.Float32frombits(0x3f808001), 0x3f81},
		{-2.5, 0xc020},
		{float32(math.Inf(1)), 0x7f80},
		{math.Float32frombits(0x7f7fffff), 0x7f80}, // the largest float rounds to infinity
	} {
		if got := RoundBF16(c.f); got != c.want {
			t.Errorf("RoundBF16(%#x) = %#x, want %#x", math.Float32bits(c.f), got, c.want)
		}
	}
	if got := RoundBF16(float32(math.NaN())); got&0x7f80 != 0x7f80 || got&0x7f == 0 {
		t.Errorf("RoundBF16(NaN) = %#x, not a NaN", got)
	}
	rng := rand.New(rand.NewSource(2))
	for _, n := range []int{0, 1, 2, 31, 32, 33, 64, 95, 768} {
		src := randSlice(rng, n)
		for i := range src {
			src[i] *= float32(math.Pow(2, float64(rng.Intn(40)-20)))
		}
		dst := make([]float32, BF16Words(n))
		ToBF16(dst, src)
		for i, v := range src {
			word := math.Float32bits(dst[i/2])
			got := uint16(word >> (16 * (i % 2)))
			if want := RoundBF16(v); got != want {
				t.Fatalf("n=%d: value %d = %#x rounds to %#x, want %#x", n, i, math.Float32bits(v), got, want)
			}
		}
		if n%2 == 1 && math.Float32bits(dst[n/2])>>16 != 0 {
			t.Fatalf("n=%d: the padding half of the last pair is not 0", n)
		}
	}
}

// TestPairsBF16 holds the interleaving conversion against RoundBF16, with
// and without a second row, around the 16-value blocks.
func TestPairsBF16(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for _, n := range []int{1, 15, 16, 17, 32, 33, 64} {
		a, b := randSlice(rng, n), randSlice(rng, n)
		for _, second := range [][]float32{b, nil} {
			dst := make([]float32, n)
			PairsBF16(dst, a, second)
			for i := range a {
				word := math.Float32bits(dst[i])
				want := uint32(RoundBF16(a[i]))
				if second != nil {
					want |= uint32(RoundBF16(b[i])) << 16
				}
				if word != want {
					t.Fatalf("n=%d second=%v: word %d = %#x, want %#x", n, second != nil, i, word, want)
				}
			}
		}
	}
}
