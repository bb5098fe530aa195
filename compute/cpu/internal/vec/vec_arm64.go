package vec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// Every arm64 CPU Go runs on has Advanced SIMD; the feature bit is checked
// all the same.
func detect() Level {
	if cpu.ARM64.HasASIMD {
		return NEON
	}
	return Generic
}

// neonConsts is the table the NEON kernels broadcast their constants from,
// laid out by the n* indices of neon_arm64.go (float32 bits, except the
// exponent bias 127, an integer).
var neonConsts = func() (t [nNeonConsts]uint32) {
	for i, v := range map[int]float64{
		nExpLo: expLo, nExpHi: expHi, nHalf: 0.5, nLog2e: log2e, nLn2Hi: ln2Hi, nLn2Lo: ln2Lo,
		nP0: expP0, nP1: expP1, nP2: expP2, nP3: expP3, nP4: expP4, nP5: expP5, nOne: 1,
		nK1: geluK1, nK2: geluK2, nInvSqrt2: invSqrt2, nPad: 0, nNegInf: math.Inf(-1),
	} {
		t[i] = math.Float32bits(float32(v))
	}
	for i, c := range erfcCoef {
		t[nE0+i] = math.Float32bits(c)
	}
	t[nBias127] = 127
	return t
}()

// The wrappers run the assembly on the longest multiple of 4 elements and
// the generic code on the rest.

func maxNEON(x []float32) float32 {
	n := len(x) &^ 3
	m := float32(math.Inf(-1))
	if n > 0 {
		m = maxNEON4(&x[0], n)
	}
	if t := maxGeneric(x[n:]); t > m {
		m = t
	}
	return m
}

func expShiftNEON(x []float32, m float32) float32 {
	n := len(x) &^ 3
	var s float32
	if n > 0 {
		s = expShiftNEON4(&x[0], n, m)
	}
	return s + expShiftGeneric(x[n:], m)
}

func scaleNEON(x []float32, s float32) {
	n := len(x) &^ 3
	if n > 0 {
		scaleNEON4(&x[0], n, s)
	}
	scaleGeneric(x[n:], s)
}

func geluTanhNEON(x, bias []float32) {
	n := len(x) &^ 3
	if n > 0 {
		geluTanhNEON4(&x[0], n, ptr(bias))
	}
	geluTanhGeneric(x[n:], tail(bias, n))
}

func geluErfNEON(x, bias []float32) {
	n := len(x) &^ 3
	if n > 0 {
		geluErfNEON4(&x[0], n, ptr(bias))
	}
	geluErfGeneric(x[n:], tail(bias, n))
}

func addNEON(dst, a, b []float32) {
	n := len(dst) &^ 3
	if n > 0 {
		addNEON4(&dst[0], &a[0], &b[0], n)
	}
	addGeneric(dst[n:], a[n:], b[n:])
}

func sumNEON(x []float32) float32 {
	n := len(x) &^ 3
	var s float32
	if n > 0 {
		s = sumNEON4(&x[0], n)
	}
	return s + sumGeneric(x[n:])
}

func sumSqDevNEON(x []float32, m float32) float32 {
	n := len(x) &^ 3
	var s float32
	if n > 0 {
		s = sumSqDevNEON4(&x[0], n, m)
	}
	return s + sumSqDevGeneric(x[n:], m)
}

func normalizeNEON(dst, x []float32, mean, inv float32, gain, bias []float32) {
	n := len(dst) &^ 3
	if n > 0 {
		normalizeNEON4(&dst[0], &x[0], n, mean, inv, &gain[0], &bias[0])
	}
	normalizeGeneric(dst[n:], x[n:], mean, inv, gain[n:], bias[n:])
}

// tail is bias from element n on, or nil when there is no bias.
func tail(bias []float32, n int) []float32 {
	if len(bias) == 0 {
		return nil
	}
	return bias[n:]
}
