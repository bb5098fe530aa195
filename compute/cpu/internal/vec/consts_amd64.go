package vec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// Indices into consts; consts_amd64.h holds their byte offsets for the
// assembly (4 bytes apart in consts, 32 in consts8).
const (
	cLog2e    = 0
	cLn2Hi    = 1
	cLn2Lo    = 2
	cP0       = 3
	cP1       = 4
	cP2       = 5
	cP3       = 6
	cP4       = 7
	cP5       = 8
	cOne      = 9
	cHi512    = 10
	cLo512    = 11
	cGeluK1   = 12
	cGeluK2   = 13
	cInvSqrt2 = 14
	cHalf     = 15
	cErfc0    = 16 // ten coefficients, 16..25
	cNegInf   = 26
	cAbsMask  = 27
	cHi256    = 28
	cLo256    = 29
	cZero     = 30
	nConsts   = 31
)

// consts holds the bit patterns of every constant the assembly needs, one
// float32 each (AVX-512 broadcasts them); consts8 repeats each eight times
// for AVX2 instructions that take a full vector from memory. tailMask
// provides AVX2 load/store masks: the eight words from index 8−r on have
// the first r lanes set.
var (
	consts   [nConsts]uint32
	consts8  [nConsts][8]uint32
	tailMask = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}
)

func init() {
	f := func(i int, v float64) { consts[i] = math.Float32bits(float32(v)) }
	f(cLog2e, log2e)
	f(cLn2Hi, ln2Hi)
	f(cLn2Lo, ln2Lo)
	for i, p := range []float64{expP0, expP1, expP2, expP3, expP4, expP5} {
		f(cP0+i, p)
	}
	f(cOne, 1)
	// VSCALEFPS makes overflow +Inf and underflow subnormal or 0 itself;
	// the clamps only keep n·ln2 away from ±Inf − ±Inf = NaN.
	f(cHi512, 89)
	f(cLo512, -104)
	f(cGeluK1, geluK1)
	f(cGeluK2, geluK2)
	f(cInvSqrt2, invSqrt2)
	f(cHalf, 0.5)
	for i, c := range erfcCoef {
		consts[cErfc0+i] = math.Float32bits(c)
	}
	f(cNegInf, math.Inf(-1))
	consts[cAbsMask] = 0x7fffffff
	// AVX2 builds 2ⁿ in the exponent bits, so n must stay in [−125, 127].
	f(cHi256, expHi)
	f(cLo256, expLo256)
	f(cZero, 0)
	for i, c := range consts {
		for j := range consts8[i] {
			consts8[i][j] = c
		}
	}
}

// expLo256 is the AVX2 lower clamp: exp(−86.5) ≈ 2.7e-38 comes out instead
// of anything smaller, an absolute error no float32 sum can see.
const expLo256 = -86.5

func detect() Level {
	switch {
	case cpu.X86.HasAVX512F:
		return AVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return AVX2
	}
	return Generic
}

//go:noescape
func maxAVX512(x *float32, n int) float32

//go:noescape
func expShiftAVX512(x *float32, n int, m float32) float32

//go:noescape
func scaleAVX512(x *float32, n int, s float32)

//go:noescape
func geluTanhAVX512(x *float32, n int, bias *float32)

//go:noescape
func geluErfAVX512(x *float32, n int, bias *float32)

//go:noescape
func addAVX512(dst, a, b *float32, n int)

//go:noescape
func sumAVX512(x *float32, n int) float32

//go:noescape
func sumSqDevAVX512(x *float32, n int, m float32) float32

//go:noescape
func normalizeAVX512(dst, x *float32, n int, mean, inv float32, gain, bias *float32)

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func expShiftAVX2(x *float32, n int, m float32) float32

//go:noescape
func scaleAVX2(x *float32, n int, s float32)

//go:noescape
func geluTanhAVX2(x *float32, n int, bias *float32)

//go:noescape
func geluErfAVX2(x *float32, n int, bias *float32)

//go:noescape
func addAVX2(dst, a, b *float32, n int)

//go:noescape
func sumAVX2(x *float32, n int) float32

//go:noescape
func sumSqDevAVX2(x *float32, n int, m float32) float32

//go:noescape
func normalizeAVX2(dst, x *float32, n int, mean, inv float32, gain, bias *float32)

//go:noescape
func expShiftCols32AVX512(s *float32, rows int, sum *float32)
