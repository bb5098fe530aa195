// Package a64 encodes the AArch64 Advanced SIMD (NEON) instructions that
// the Go assembler has no mnemonic for (most floating-point vector
// arithmetic, and every by-element form), so the generators of the arm64
// kernels can emit them as WORD directives with the GNU spelling beside
// each one. Every function returns an Inst for the 128-bit arrangement
// (four float32 lanes, .4S, or sixteen bytes, .16B for bitwise ones).
//
// The encodings follow the Arm Architecture Reference Manual; a64_test.go
// checks each against the words GNU as produces.
package a64

import "fmt"

// Inst is one encoded instruction and its GNU assembler spelling.
type Inst struct {
	Word uint32
	Asm  string
}

// String is the Go assembler line for i: a WORD with the instruction as a
// comment.
func (i Inst) String() string { return fmt.Sprintf("WORD $0x%08x // %s", i.Word, i.Asm) }

// V is a vector register number, 0 to 31.
type V uint32

func (v V) check() uint32 {
	if v > 31 {
		panic(fmt.Sprintf("a64: no vector register v%d", v))
	}
	return uint32(v)
}

// three encodes a "three registers, same type" instruction.
func three(base uint32, op, arr string, d, n, m V) Inst {
	return Inst{base | m.check()<<16 | n.check()<<5 | d.check(),
		fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", op, d, arr, n, arr, m, arr)}
}

// two encodes a "two registers, miscellaneous" instruction.
func two(base uint32, op string, d, n V) Inst {
	return Inst{base | n.check()<<5 | d.check(), fmt.Sprintf("%s v%d.4s, v%d.4s", op, d, n)}
}

// elem encodes a by-element instruction: the lane of m multiplies every
// lane of n.
func elem(base uint32, op string, d, n, m V, lane int) Inst {
	if lane < 0 || lane > 3 {
		panic(fmt.Sprintf("a64: lane %d of a .4S register", lane))
	}
	h, l := uint32(lane>>1), uint32(lane&1)
	return Inst{base | l<<21 | m.check()<<16 | h<<11 | n.check()<<5 | d.check(),
		fmt.Sprintf("%s v%d.4s, v%d.4s, v%d.s[%d]", op, d, n, m, lane)}
}

// FADD is d = n + m.
func FADD(d, n, m V) Inst { return three(0x4e20d400, "fadd", "4s", d, n, m) }

// FSUB is d = n − m.
func FSUB(d, n, m V) Inst { return three(0x4ea0d400, "fsub", "4s", d, n, m) }

// FMUL is d = n·m.
func FMUL(d, n, m V) Inst { return three(0x6e20dc00, "fmul", "4s", d, n, m) }

// FDIV is d = n / m.
func FDIV(d, n, m V) Inst { return three(0x6e20fc00, "fdiv", "4s", d, n, m) }

// FMLA is d += n·m, rounded once (fused).
func FMLA(d, n, m V) Inst { return three(0x4e20cc00, "fmla", "4s", d, n, m) }

// FMLS is d −= n·m, rounded once (fused).
func FMLS(d, n, m V) Inst { return three(0x4ea0cc00, "fmls", "4s", d, n, m) }

// FMAX is d = max(n, m), NaN when either is NaN.
func FMAX(d, n, m V) Inst { return three(0x4e20f400, "fmax", "4s", d, n, m) }

// FMIN is d = min(n, m), NaN when either is NaN.
func FMIN(d, n, m V) Inst { return three(0x4ea0f400, "fmin", "4s", d, n, m) }

// FMAXNM is d = max(n, m), the number when only one of them is NaN.
func FMAXNM(d, n, m V) Inst { return three(0x4e20c400, "fmaxnm", "4s", d, n, m) }

// FCMGT sets every bit of a lane of d where n > m (false for NaN).
func FCMGT(d, n, m V) Inst { return three(0x6ea0e400, "fcmgt", "4s", d, n, m) }

// FADDP adds adjacent pairs: d = [n0+n1, n2+n3, m0+m1, m2+m3].
func FADDP(d, n, m V) Inst { return three(0x6e20d400, "faddp", "4s", d, n, m) }

// FCMLTZ sets every bit of a lane of d where n < 0.
func FCMLTZ(d, n V) Inst {
	return Inst{0x4ea0e800 | n.check()<<5 | d.check(), fmt.Sprintf("fcmlt v%d.4s, v%d.4s, #0.0", d, n)}
}

// FABS is d = |n|.
func FABS(d, n V) Inst { return two(0x4ea0f800, "fabs", d, n) }

// FNEG is d = −n.
func FNEG(d, n V) Inst { return two(0x6ea0f800, "fneg", d, n) }

// FRINTM rounds every lane toward −∞ (floor), as a float.
func FRINTM(d, n V) Inst { return two(0x4e219800, "frintm", d, n) }

// FCVTZS converts every lane to an int32, rounding toward zero.
func FCVTZS(d, n V) Inst { return two(0x4ea1b800, "fcvtzs", d, n) }

// FMLAe is d += n·m[lane], rounded once.
func FMLAe(d, n, m V, lane int) Inst { return elem(0x4f801000, "fmla", d, n, m, lane) }

// FMLSe is d −= n·m[lane], rounded once.
func FMLSe(d, n, m V, lane int) Inst { return elem(0x4f805000, "fmls", d, n, m, lane) }

// FMULe is d = n·m[lane].
func FMULe(d, n, m V, lane int) Inst { return elem(0x4f809000, "fmul", d, n, m, lane) }

// FADDPs sets the low lane of d (scalar s<d>) to n0 + n1.
func FADDPs(d, n V) Inst {
	return Inst{0x7e30d800 | n.check()<<5 | d.check(), fmt.Sprintf("faddp s%d, v%d.2s", d, n)}
}

// FMAXNMV sets the low lane of d (scalar s<d>) to the largest lane of n,
// ignoring NaN lanes as FMAXNM does.
func FMAXNMV(d, n V) Inst {
	return Inst{0x6e30c800 | n.check()<<5 | d.check(), fmt.Sprintf("fmaxnmv s%d, v%d.4s", d, n)}
}

// MOV copies n to d (ORR d, n, n).
func MOV(d, n V) Inst {
	return Inst{0x4ea01c00 | n.check()<<16 | n.check()<<5 | d.check(), fmt.Sprintf("mov v%d.16b, v%d.16b", d, n)}
}

// BSL selects bits: d = (d AND n) OR (NOT d AND m); d holds the mask.
func BSL(d, n, m V) Inst { return three(0x6e601c00, "bsl", "16b", d, n, m) }

// BIC clears bits: d = n AND NOT m.
func BIC(d, n, m V) Inst { return three(0x4e601c00, "bic", "16b", d, n, m) }
