// Package vec holds the element-wise float32 kernels of the CPU backend:
// exp for the softmax, the two GELUs, additions and the layer-norm passes.
// On amd64 they run as AVX-512 or AVX2+FMA assembly chosen at start-up, on
// arm64 as NEON assembly; the portable Go versions in generic.go run
// everywhere else and define the algorithms (the assembly follows them
// operation for operation).
//
// The exp is Cephes' expf (range reduction by ln 2 split in two parts and a
// degree-6 polynomial, about 1 ulp); GELU-tanh uses the identity
// 0.5·(1+tanh u) = 1/(1+exp(−2u)); exact GELU uses the Numerical Recipes
// erfc Chebyshev fit (relative error below 1.2e-7 for every argument), so
// both GELUs keep float32 relative accuracy in their tails too.
package vec

//go:generate go run gen_neon.go

import "math"

// Level names an instruction-set level the kernels can run at.
type Level int

const (
	// Generic is portable Go.
	Generic Level = iota
	// AVX2 is AVX2 with FMA3 (Haswell, Zen 1 and later).
	AVX2
	// AVX512 is AVX-512 F (Skylake-X, Ice Lake, Zen 4 and later).
	AVX512
	// NEON is arm64's Advanced SIMD with FMA (every arm64 CPU: Apple
	// silicon, Graviton, Ampere, Raspberry Pi 4 and later).
	NEON
)

// String names the level for status lines.
func (l Level) String() string {
	switch l {
	case AVX2:
		return "AVX2+FMA"
	case AVX512:
		return "AVX-512"
	case NEON:
		return "NEON"
	}
	return "generic Go"
}

// level is the level in use; best is the best the CPU offers.
var level, best = detect(), detect()

// Current is the level the kernels run at.
func Current() Level { return level }

// Best is the highest level this CPU supports.
func Best() Level { return best }

// SetLevel makes the kernels run at l, or at the best level below it that
// this CPU supports (Resolve), and returns the level now in use. Tests and
// benchmarks use it to check every implementation on one machine; it must
// not be called while kernels run.
func SetLevel(l Level) Level {
	level = Resolve(l)
	return level
}

// Resolve is the level SetLevel(l) selects: l itself when this CPU
// supports it, else the next level down that it does: AVX-512 falls back
// to AVX2, every other level to Generic (so another architecture's level
// means Generic).
func Resolve(l Level) Level {
	for !Supported(l) {
		if l == AVX512 {
			l = AVX2
		} else {
			l = Generic
		}
	}
	return l
}

// Supported reports whether the kernels can run at l on this CPU.
func Supported(l Level) bool {
	return l == Generic || l == best || (l == AVX2 && best == AVX512)
}

// Levels lists the levels this CPU supports, Generic first.
func Levels() []Level {
	var ls []Level
	for _, l := range []Level{Generic, AVX2, AVX512, NEON} {
		if Supported(l) {
			ls = append(ls, l)
		}
	}
	return ls
}

// Max returns the largest element of x, or −Inf when x is empty.
func Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	switch level {
	case AVX512:
		return maxAVX512(&x[0], len(x))
	case AVX2:
		return maxAVX2(&x[0], len(x))
	case NEON:
		return maxNEON(x)
	}
	return maxGeneric(x)
}

// ExpShift replaces every x[i] by exp(x[i] − m) and returns their sum: the
// un-normalised softmax of a row whose maximum is m.
func ExpShift(x []float32, m float32) float32 {
	if len(x) == 0 {
		return 0
	}
	switch level {
	case AVX512:
		return expShiftAVX512(&x[0], len(x), m)
	case AVX2:
		return expShiftAVX2(&x[0], len(x), m)
	case NEON:
		return expShiftNEON(x, m)
	}
	return expShiftGeneric(x, m)
}

// Scale multiplies every element of x by s.
func Scale(x []float32, s float32) {
	if len(x) == 0 {
		return
	}
	switch level {
	case AVX512:
		scaleAVX512(&x[0], len(x), s)
		return
	case AVX2:
		scaleAVX2(&x[0], len(x), s)
		return
	case NEON:
		scaleNEON(x, s)
		return
	}
	scaleGeneric(x, s)
}

// GELUTanh replaces every x[i] by gelu_tanh(x[i] + bias[i]); bias is empty
// (no bias) or at least as long as x.
func GELUTanh(x, bias []float32) {
	if len(x) == 0 {
		return
	}
	if len(bias) != 0 {
		bias = bias[:len(x)]
	}
	switch level {
	case AVX512:
		geluTanhAVX512(&x[0], len(x), ptr(bias))
		return
	case AVX2:
		geluTanhAVX2(&x[0], len(x), ptr(bias))
		return
	case NEON:
		geluTanhNEON(x, bias)
		return
	}
	geluTanhGeneric(x, bias)
}

// GELUErf replaces every x[i] by the exact GELU of x[i] + bias[i]; bias is
// empty (no bias) or at least as long as x.
func GELUErf(x, bias []float32) {
	if len(x) == 0 {
		return
	}
	if len(bias) != 0 {
		bias = bias[:len(x)]
	}
	switch level {
	case AVX512:
		geluErfAVX512(&x[0], len(x), ptr(bias))
		return
	case AVX2:
		geluErfAVX2(&x[0], len(x), ptr(bias))
		return
	case NEON:
		geluErfNEON(x, bias)
		return
	}
	geluErfGeneric(x, bias)
}

// Add sets dst[i] = a[i] + b[i] for i < len(dst); a and b are at least as
// long as dst, and any two of the three may be the same slice.
func Add(dst, a, b []float32) {
	if len(dst) == 0 {
		return
	}
	a, b = a[:len(dst)], b[:len(dst)]
	switch level {
	case AVX512:
		addAVX512(&dst[0], &a[0], &b[0], len(dst))
		return
	case AVX2:
		addAVX2(&dst[0], &a[0], &b[0], len(dst))
		return
	case NEON:
		addNEON(dst, a, b)
		return
	}
	addGeneric(dst, a, b)
}

// Sum returns the sum of the elements of x.
func Sum(x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	switch level {
	case AVX512:
		return sumAVX512(&x[0], len(x))
	case AVX2:
		return sumAVX2(&x[0], len(x))
	case NEON:
		return sumNEON(x)
	}
	return sumGeneric(x)
}

// SumSqDev returns Σ (x[i] − m)², the second pass of a two-pass variance,
// which stays accurate in float32 when the mean is large.
func SumSqDev(x []float32, m float32) float32 {
	if len(x) == 0 {
		return 0
	}
	switch level {
	case AVX512:
		return sumSqDevAVX512(&x[0], len(x), m)
	case AVX2:
		return sumSqDevAVX2(&x[0], len(x), m)
	case NEON:
		return sumSqDevNEON(x, m)
	}
	return sumSqDevGeneric(x, m)
}

// Normalize sets dst[i] = (x[i] − mean)·inv·gain[i] + bias[i] for
// i < len(dst); x, gain and bias are at least as long as dst and dst may be x.
func Normalize(dst, x []float32, mean, inv float32, gain, bias []float32) {
	if len(dst) == 0 {
		return
	}
	x, gain, bias = x[:len(dst)], gain[:len(dst)], bias[:len(dst)]
	switch level {
	case AVX512:
		normalizeAVX512(&dst[0], &x[0], len(dst), mean, inv, &gain[0], &bias[0])
		return
	case AVX2:
		normalizeAVX2(&dst[0], &x[0], len(dst), mean, inv, &gain[0], &bias[0])
		return
	case NEON:
		normalizeNEON(dst, x, mean, inv, gain, bias)
		return
	}
	normalizeGeneric(dst, x, mean, inv, gain, bias)
}

func ptr(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// ExpShiftCols32 is the softmax numerator of every column of the rows×32
// row-major matrix s (rows ≥ 1): each element becomes exp(x − m), m the
// maximum of its column, and sum receives the columns' sums. The attention
// kernels keep scores key by key, one 32-query row per key, so a query's
// softmax runs down a column.
func ExpShiftCols32(s []float32, rows int, sum *[32]float32) {
	_ = s[rows*32-1]
	if level == AVX512 {
		expShiftCols32AVX512(&s[0], rows, &sum[0])
		return
	}
	expShiftCols32Generic(s[:rows*32], sum)
}
