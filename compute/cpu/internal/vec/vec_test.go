package vec

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// levels are the implementations this machine can run.
func levels() []Level { return Levels() }

// forEachLevel runs f with the kernels forced to every supported level.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	defer SetLevel(Best())
	for _, l := range levels() {
		SetLevel(l)
		t.Run(l.String(), f)
	}
}

// lengths cover empty input, every tail length of both vector widths and a
// few long rows.
var lengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 196, 1000}

func randVec(rng *rand.Rand, n int, scale, offset float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64()*scale + offset)
	}
	return v
}

// geluTanh64 is 0.5·x·(1 + tanh u) written as x·σ(2u), which float64 keeps
// accurate where 1 + tanh u would cancel. Its second result is |2u|, the
// size of the exp argument the float32 kernels round.
func geluTanh64(x float64) (float64, float64) {
	u := math.Sqrt(2/math.Pi) * (x + 0.044715*x*x*x)
	return x / (1 + math.Exp(-2*u)), math.Abs(2 * u)
}

// geluErf64 uses erfc for negative x so that the reference itself keeps its
// relative accuracy where Φ(x) is tiny.
// Its second result is x²/2, the size of the kernels' exp argument.
func geluErf64(x float64) (float64, float64) { return 0.5 * x * math.Erfc(-x/math.Sqrt2), x * x / 2 }

// within reports whether got is within abs + rel·|want| of want.
func within(got float32, want, abs, rel float64) bool {
	return math.Abs(float64(got)-want) <= abs+rel*math.Abs(want)
}

func TestExpShift(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(1))
		for _, n := range lengths {
			x := randVec(rng, n, 20, 0)
			if n > 3 { // the clamps and the flush to 0
				x[0], x[1], x[2] = 88, -87, -200
			}
			orig := append([]float32(nil), x...)
			const m = 1.5
			sum := ExpShift(x, m)
			var want float64
			for i, v := range orig {
				e := math.Exp(float64(v - m)) // the kernels subtract in float32
				want += e
				// 2 ulp, and anything below the smallest normal float may
				// come out as a tiny number or 0.
				if !within(x[i], e, 3e-38, 2.4e-7) {
					t.Fatalf("n=%d: exp(%g − %g) = %g, want %g", n, v, float32(m), x[i], e)
				}
			}
			if !within(sum, want, 0, 1e-6) {
				t.Errorf("n=%d: sum %g, want %g", n, sum, want)
			}
		}
	})
}

// The exp must hold its accuracy over the whole range a softmax feeds it,
// probed densely, not just at random points.
func TestExpDense(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		x := make([]float32, 0, 200000)
		for v := -87.0; v <= 88; v += 175.0 / 199999 {
			x = append(x, float32(v))
		}
		orig := append([]float32(nil), x...)
		ExpShift(x, 0)
		worst := 0.0
		for i, v := range orig {
			e := math.Exp(float64(v))
			if e < 3e-38 { // the AVX2 kernel clamps its input at −86.5
				continue
			}
			worst = max(worst, math.Abs(float64(x[i])-e)/e)
		}
		if worst > 2.4e-7 {
			t.Errorf("worst relative error %.3g (%.2f ulp)", worst, worst/0x1p-24)
		}
		t.Logf("worst relative error %.3g", worst)
	})
}

func TestGELU(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(x, bias []float32)
		ref  func(float64) (float64, float64)
		// argUlps is how many rounding errors the float32 exp argument a
		// may carry: each is up to |a|·2⁻²⁴ and becomes a relative error
		// of the result. GELU-tanh builds its argument from x³ with
		// rounded constants (as PyTorch does in float32); exact GELU
		// builds x²/2 exactly and rounds twice.
		argUlps float64
	}{
		{"tanh", GELUTanh, geluTanh64, 6},
		{"erf", GELUErf, geluErf64, 3},
	} {
		tol := func(x float32) float64 {
			_, arg := c.ref(float64(x))
			return 6e-7 + c.argUlps*arg*0x1p-24
		}
		t.Run(c.name, func(t *testing.T) {
			forEachLevel(t, func(t *testing.T) {
				// A dense sweep over the range activations take, then
				// the far tails.
				var x []float32
				for v := -12.0; v <= 12; v += 1.0 / 1024 {
					x = append(x, float32(v))
				}
				x = append(x, -30, -20, 0, 20, 30, 1e-20, -1e-20)
				orig := append([]float32(nil), x...)
				c.f(x, nil)
				worst, at := 0.0, 0
				for i, v := range orig {
					want, _ := c.ref(float64(v))
					if e := math.Abs(float64(x[i])-want) / (1e-36 + math.Abs(want)*tol(v)); e > worst {
						worst, at = e, i
					}
				}
				if worst > 1 {
					want, _ := c.ref(float64(orig[at]))
					t.Errorf("error %.3g times the tolerance at x=%g: got %g, want %g", worst, orig[at], x[at], want)
				}
				// With a bias, at every tail length.
				rng := rand.New(rand.NewSource(2))
				for _, n := range lengths {
					x, bias := randVec(rng, n, 3, 0), randVec(rng, n, 1, 0)
					orig := append([]float32(nil), x...)
					c.f(x, bias)
					for i := range x {
						want, _ := c.ref(float64(orig[i] + bias[i]))
						if !within(x[i], want, 1e-36, tol(orig[i]+bias[i])) {
							t.Fatalf("n=%d: gelu(%g + %g) = %g, want %g", n, orig[i], bias[i], x[i], want)
						}
					}
				}
			})
		})
	}
}

func TestReductions(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(3))
		for _, n := range lengths {
			// All negative, so masked-off lanes read as 0 would win the max.
			x := randVec(rng, n, 2, -20)
			wantMax := math.Inf(-1)
			var sum float64
			for _, v := range x {
				wantMax = max(wantMax, float64(v))
				sum += float64(v)
			}
			if got := Max(x); float64(got) != wantMax {
				t.Errorf("n=%d: Max = %g, want %g", n, got, wantMax)
			}
			if got := Sum(x); !within(got, sum, 1e-5, 1e-6) {
				t.Errorf("n=%d: Sum = %g, want %g", n, got, sum)
			}
			mean := float32(0)
			if n > 0 {
				mean = float32(sum / float64(n))
			}
			var ssd float64
			for _, v := range x {
				ssd += (float64(v) - float64(mean)) * (float64(v) - float64(mean))
			}
			if got := SumSqDev(x, mean); !within(got, ssd, 1e-6, 1e-5) {
				t.Errorf("n=%d: SumSqDev = %g, want %g", n, got, ssd)
			}
		}
	})
}

func TestElementwise(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(4))
		for _, n := range lengths {
			a, b := randVec(rng, n+3, 1, 0), randVec(rng, n+3, 1, 0)
			guard := float32(12345)
			dst := append(make([]float32, n), guard) // must not be written past n
			Add(dst[:n], a, b)
			for i := 0; i < n; i++ {
				if dst[i] != a[i]+b[i] {
					t.Fatalf("n=%d: Add[%d] = %g, want %g", n, i, dst[i], a[i]+b[i])
				}
			}
			if dst[n] != guard {
				t.Fatalf("n=%d: Add wrote past the end", n)
			}
			// In place: dst aliases a.
			want := make([]float32, n)
			for i := range want {
				want[i] = a[i] + b[i]
			}
			Add(a[:n], a, b)
			for i := range want {
				if a[i] != want[i] {
					t.Fatalf("n=%d: in-place Add[%d] = %g, want %g", n, i, a[i], want[i])
				}
			}

			x := append(randVec(rng, n, 1, 0), guard)
			orig := append([]float32(nil), x...)
			Scale(x[:n], 0.37)
			for i := 0; i < n; i++ {
				if x[i] != orig[i]*0.37 {
					t.Fatalf("n=%d: Scale[%d] = %g, want %g", n, i, x[i], orig[i]*0.37)
				}
			}
			if x[n] != guard {
				t.Fatalf("n=%d: Scale wrote past the end", n)
			}

			gain, bias := randVec(rng, n, 1, 1), randVec(rng, n, 1, 0)
			x = append(randVec(rng, n, 3, 5), guard)
			orig = append([]float32(nil), x...)
			Normalize(x[:n], x, 5, 0.25, gain, bias) // in place
			for i := 0; i < n; i++ {
				want := (float64(orig[i])-5)*0.25*float64(gain[i]) + float64(bias[i])
				if !within(x[i], want, 1e-6, 1e-6) {
					t.Fatalf("n=%d: Normalize[%d] = %g, want %g", n, i, x[i], want)
				}
			}
			if x[n] != guard {
				t.Fatalf("n=%d: Normalize wrote past the end", n)
			}
		}
	})
}

func TestNaNPropagates(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		nan := float32(math.NaN())
		for name, f := range map[string]func([]float32){
			"exp":       func(x []float32) { ExpShift(x, 0) },
			"gelu_tanh": func(x []float32) { GELUTanh(x, nil) },
		} {
			x := []float32{1, nan, 2}
			f(x)
			if !math.IsNaN(float64(x[1])) {
				t.Errorf("%s(NaN) = %g", name, x[1])
			}
		}
	})
}

func benchSizes() []int { return []int{196, 1024, 196 * 3072} }

func BenchmarkKernels(b *testing.B) {
	defer SetLevel(Best())
	rng := rand.New(rand.NewSource(5))
	for _, l := range levels() {
		SetLevel(l)
		for _, n := range benchSizes() {
			x := randVec(rng, n, 2, 0)
			y := randVec(rng, n, 2, 0)
			bias := randVec(rng, n, 1, 0)
			run := func(name string, f func()) {
				b.Run(fmt.Sprintf("%s/%v/n=%d", name, l, n), func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						f()
					}
					b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
				})
			}
			run("softmax", func() {
				copy(x, y)
				m := Max(x)
				s := ExpShift(x, m)
				Scale(x, 1/s)
			})
			run("gelu_tanh", func() { copy(x, y); GELUTanh(x, bias) })
			run("gelu_erf", func() { copy(x, y); GELUErf(x, bias) })
			run("layernorm", func() {
				m := Sum(y) / float32(n)
				v := SumSqDev(y, m) / float32(n)
				Normalize(x, y, m, 1/float32(math.Sqrt(float64(v)+1e-6)), bias, bias)
			})
			run("add", func() { Add(x, y, bias) })
		}
	}
}

func TestExpShiftCols32(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		for _, rows := range []int{1, 2, 7, 200} {
			s := randVec(rng, rows*32, 20, 0)
			s[3] = -200 // flushed to 0 when the column has larger values
			orig := append([]float32(nil), s...)
			var sum [32]float32
			ExpShiftCols32(s, rows, &sum)
			for j := range 32 {
				m := float32(math.Inf(-1))
				for r := range rows {
					m = max(m, orig[r*32+j])
				}
				var want float64
				for r := range rows {
					e := math.Exp(float64(orig[r*32+j] - m))
					want += e
					if g := s[r*32+j]; !within(g, e, 3e-38, 2.4e-7) {
						t.Fatalf("rows=%d: (%d,%d) = %g, want %g", rows, r, j, g, e)
					}
				}
				if !within(sum[j], want, 0, 1e-6) {
					t.Errorf("rows=%d: column %d sums to %g, want %g", rows, j, sum[j], want)
				}
			}
		}
	})
}
