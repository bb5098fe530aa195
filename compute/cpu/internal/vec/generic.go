package vec

import "math"

// Constants of the algorithms, shared with the assembly (which reads them
// from consts by index: keep consts_amd64.h in step).
const (
	log2e = 1.44269504088896341
	// ln 2 split so that n·ln2Hi is exact for |n| < 2⁹ (Cephes).
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
	// Cephes expf polynomial for exp(r) − 1 − r on |r| ≤ ln2/2, highest first.
	expP0 = 1.9875691500e-4
	expP1 = 1.3981999507e-3
	expP2 = 8.3334519073e-3
	expP3 = 4.1665795894e-2
	expP4 = 1.6666665459e-1
	expP5 = 5.0000001201e-1
	// expHi keeps 2ⁿ finite when built from exponent bits; expLo is where
	// the result is flushed to 0 (exp(−87.3) is the smallest normal float).
	expHi = 88.0
	expLo = -87.3
	// −2·√(2/π) and −2·√(2/π)·0.044715: exp(x·(geluK1 + geluK2·x²)) = exp(−2u).
	geluK1   = -1.5957691216057308
	geluK2   = -0.07135481627260025
	invSqrt2 = 0.70710678118654752
)

// erfcCoef is the Numerical Recipes erfc fit: for z ≥ 0 and t = 1/(1+z/2),
// erfc(z) = t·exp(−z² + P(t)) with P's coefficients from t⁹ down to t⁰.
var erfcCoef = [10]float32{0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
	-0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223}

// exp32 is the scalar float32 exp the kernels vectorise.
func exp32(x float32) float32 {
	if x < expLo {
		if x != x {
			return x
		}
		return 0
	}
	x = min(x, expHi)
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2Hi
	r -= n * ln2Lo
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := (p*r+1)*r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// geluTanh32 is x·σ(2u) = 0.5·x·(1 + tanh u), u = √(2/π)·(x + 0.044715·x³).
func geluTanh32(x float32) float32 {
	return x / (1 + exp32(x*(geluK1+geluK2*x*x)))
}

// geluErf32 is x·Φ(x) with Φ from erfc, accurate in relative terms for
// negative x where Φ is tiny.
func geluErf32(x float32) float32 {
	z := float32(math.Abs(float64(x))) * invSqrt2
	t := 1 / (1 + 0.5*z)
	p := erfcCoef[0]
	for _, c := range erfcCoef[1:] {
		p = p*t + c
	}
	// z² = x²/2 as the rounded x² and its exact rounding error, both
	// halved exactly, so the exp argument carries one rounding only.
	x2 := x * x
	x2lo := float32(math.FMA(float64(x), float64(x), -float64(x2)))
	half := 0.5 * t * exp32(p-0.5*x2-0.5*x2lo) // Φ(−|x|) = erfc(|x|/√2)/2
	if x < 0 {
		return x * half
	}
	return x - x*half
}

func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func expShiftGeneric(x []float32, m float32) float32 {
	var s float32
	for i, v := range x {
		e := exp32(v - m)
		x[i] = e
		s += e
	}
	return s
}

func scaleGeneric(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

func geluTanhGeneric(x, bias []float32) {
	if len(bias) == 0 {
		for i, v := range x {
			x[i] = geluTanh32(v)
		}
		return
	}
	for i, v := range x {
		x[i] = geluTanh32(v + bias[i])
	}
}

func geluErfGeneric(x, bias []float32) {
	if len(bias) == 0 {
		for i, v := range x {
			x[i] = geluErf32(v)
		}
		return
	}
	for i, v := range x {
		x[i] = geluErf32(v + bias[i])
	}
}

func addGeneric(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func sumGeneric(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sumSqDevGeneric(x []float32, m float32) float32 {
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(x); i += 2 {
		d0, d1 := x[i]-m, x[i+1]-m
		s0 += d0 * d0
		s1 += d1 * d1
	}
	for ; i < len(x); i++ {
		d := x[i] - m
		s0 += d * d
	}
	return s0 + s1
}

func normalizeGeneric(dst, x []float32, mean, inv float32, gain, bias []float32) {
	for i := range dst {
		dst[i] = (x[i]-mean)*inv*gain[i] + bias[i]
	}
}

func expShiftCols32Generic(s []float32, sum *[32]float32) {
	var m [32]float32
	copy(m[:], s[:32])
	for r := 32; r < len(s); r += 32 {
		for j, v := range s[r : r+32] {
			m[j] = max(m[j], v)
		}
	}
	*sum = [32]float32{}
	for r := 0; r < len(s); r += 32 {
		for j := range 32 {
			e := exp32(s[r+j] - m[j])
			s[r+j] = e
			sum[j] += e
		}
	}
}
