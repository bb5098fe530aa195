//go:build ignore

// gen_neon writes vec_neon_arm64.s, the NEON (Advanced SIMD) kernels, and
// neon_arm64.go, their Go declarations and the layout of the constant
// table they load: go generate ./compute/cpu/internal/vec
//
// The kernels follow generic.go operation for operation, four floats per
// vector, with the fused multiply-adds the Go compiler itself uses on arm64
// for a·b + c. They take a length that is a multiple of 4; the Go wrappers
// in vec_arm64.go finish the last 1-3 elements with the generic code. The
// Go assembler has no mnemonics for NEON floating-point arithmetic, so it
// is emitted as WORDs by package a64, each with its GNU spelling beside it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"

	. "github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/a64"
)

var out bytes.Buffer

func w(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

// op emits instructions the Go assembler lacks.
func op(is ...Inst) {
	for _, i := range is {
		w("\t%s", i)
	}
}

// The constant table, in memory order: the exp constants are broadcast
// into V16-V29 in this order, K1 and K2 (GELU-tanh) into V30-V31, and the
// twelve erf floats are loaded as three 4-lane vectors into V13-V15;
// max starts from NegInf.
var table = []string{
	"ExpLo", "ExpHi", "Half", "Log2e", "Ln2Hi", "Ln2Lo", "P0", "P1", "P2", "P3", "P4", "P5", "One", "Bias127",
	"K1", "K2",
	"E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "InvSqrt2", "Pad",
	"NegInf",
}

// Registers holding the constants.
const (
	cLo, cHi, cHalf, cLog2e, cLn2Hi, cLn2Lo V = 16, 17, 18, 19, 20, 21
	cP0                                     V = 22 // P0..P5 in V22-V27
	cOne, c127                              V = 28, 29
	cK1, cK2                                V = 30, 31
	cErf                                    V = 13 // E0-E3, E4-E7, E8, E9, 1/√2, 0 in V13-V15
)

func index(name string) int {
	for i, n := range table {
		if n == name {
			return i
		}
	}
	panic(name)
}

// loadExp broadcasts the exp constants into V16-V29; R9 is left at K1.
func loadExp() {
	w("\tMOVD $·neonConsts(SB), R9")
	for i := 0; i <= index("Bias127"); i++ {
		w("\tVLD1R.P 4(R9), [V%d.S4] // %s", 16+i, table[i])
	}
}

// exp replaces x by exp(x) as exp32 computes it, with the scratch
// registers mask, n, pa and pb. Where x < expLo the result is 0, where x
// is NaN it is NaN.
func exp(x, mask, n, pa, pb V) {
	op(FCMGT(mask, cLo, x), FMIN(x, x, cHi))
	op(MOV(n, cHalf), FMLA(n, x, cLog2e), FRINTM(n, n)) // n = ⌊x·log2 e + 0.5⌋
	op(FMLS(x, n, cLn2Hi), FMLS(x, n, cLn2Lo))          // r = x − n·ln 2
	// p = ((((P0·r + P1)·r + P2)·r + P3)·r + P4)·r + P5
	op(MOV(pa, cP0+1), FMLA(pa, cP0, x))
	for i := 2; i <= 5; i++ {
		op(MOV(pb, cP0+V(i)), FMLA(pb, pa, x))
		pa, pb = pb, pa
	}
	op(MOV(pb, cOne), FMLA(pb, pa, x), MOV(pa, cOne), FMLA(pa, pb, x)) // (p·r + 1)·r + 1
	// 2ⁿ from its exponent bits: n + 127 in bits 23-30.
	op(FCVTZS(n, n))
	w("\tVADD V%d.S4, V%d.S4, V%d.S4", c127, n, n)
	w("\tVSHL $23, V%d.S4, V%d.S4", n, n)
	op(FMUL(x, pa, n), BIC(x, x, mask))
}

// Register lists for loads and stores.
func list(first V, count int) string {
	s := "["
	for i := 0; i < count; i++ {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("V%d.S4", first+V(i))
	}
	return s + "]"
}

// reduce emits a reduction over x (R0, R1 floats): four accumulators
// V8-V11 over 16 floats at a time, then V8 over 4 at a time, combined
// pairwise into V8. body(acc, v) folds the vector v into acc.
func reduce(name string, body func(acc, v V)) {
	w("\tCMP  $16, R1\n\tBLT  %s_4", name)
	w("%s_16:", name)
	w("\tVLD1.P 64(R0), %s", list(0, 4))
	for i := V(0); i < 4; i++ {
		body(8+i, i)
	}
	w("\tSUB  $16, R1\n\tCMP  $16, R1\n\tBGE  %s_16", name)
	w("%s_4:", name)
	w("\tCBZ  R1, %s_done", name)
	w("\tVLD1.P 16(R0), [V0.S4]")
	body(8, 0)
	w("\tSUB  $4, R1\n\tB    %s_4", name)
	w("%s_done:", name)
}

// each emits an element-wise loop over R1 floats: body(v, count) works on
// count vectors from V0 (their inputs loaded by the body itself), 4 at a
// time while 16 floats remain, then one.
func each(name string, body func(count int)) {
	w("\tCMP  $16, R1\n\tBLT  %s_4", name)
	w("%s_16:", name)
	body(4)
	w("\tSUB  $16, R1\n\tCMP  $16, R1\n\tBGE  %s_16", name)
	w("%s_4:", name)
	w("\tCBZ  R1, %s_done", name)
	body(1)
	w("\tSUB  $4, R1\n\tB    %s_4", name)
	w("%s_done:", name)
}

func header(name, sig string, frame int) {
	w("\n// func %s%s", name, sig)
	w("TEXT ·%s(SB), NOSPLIT, $0-%d", name, frame)
}

func max4() {
	header("maxNEON4", "(x *float32, n int) float32", 20)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1")
	w("\tMOVD $·neonConsts+%d(SB), R9\n\tVLD1R (R9), [V8.S4] // −Inf", 4*index("NegInf"))
	w("\tVMOV V8.B16, V9.B16\n\tVMOV V8.B16, V10.B16\n\tVMOV V8.B16, V11.B16")
	// FMAXNM skips NaN like maxGeneric's v > m.
	reduce("max", func(acc, v V) { op(FMAXNM(acc, acc, v)) })
	op(FMAXNM(8, 8, 9), FMAXNM(10, 10, 11), FMAXNM(8, 8, 10), FMAXNMV(8, 8))
	w("\tFMOVS F8, ret+16(FP)\n\tRET")
}

// sumTail folds V8-V11 into F8 as (v8+v9)+(v10+v11), then lanes pairwise.
func sumTail() {
	op(FADD(8, 8, 9), FADD(10, 10, 11), FADD(8, 8, 10), FADDP(8, 8, 8), FADDPs(8, 8))
}

func zeroAcc() {
	for i := 8; i < 12; i++ {
		w("\tVEOR V%d.B16, V%[1]d.B16, V%[1]d.B16", i)
	}
}

func sum4() {
	header("sumNEON4", "(x *float32, n int) float32", 20)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1")
	zeroAcc()
	reduce("sum", func(acc, v V) { op(FADD(acc, acc, v)) })
	sumTail()
	w("\tFMOVS F8, ret+16(FP)\n\tRET")
}

func sumSqDev4() {
	header("sumSqDevNEON4", "(x *float32, n int, m float32) float32", 28)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1\n\tFMOVS m+16(FP), F12\n\tVDUP V12.S[0], V12.S4")
	zeroAcc()
	reduce("ssd", func(acc, v V) { op(FSUB(v, v, 12), FMLA(acc, v, v)) })
	sumTail()
	w("\tFMOVS F8, ret+24(FP)\n\tRET")
}

func scale4() {
	header("scaleNEON4", "(x *float32, n int, s float32)", 20)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1\n\tFMOVS s+16(FP), F12")
	each("scale", func(count int) {
		w("\tVLD1 (R0), %s", list(0, count))
		for i := V(0); i < V(count); i++ {
			op(FMULe(i, i, 12, 0))
		}
		w("\tVST1.P %s, %d(R0)", list(0, count), 16*count)
	})
	w("\tRET")
}

func add4() {
	header("addNEON4", "(dst, a, b *float32, n int)", 32)
	w("\tMOVD dst+0(FP), R0\n\tMOVD n+24(FP), R1\n\tMOVD a+8(FP), R2\n\tMOVD b+16(FP), R3")
	each("add", func(count int) {
		w("\tVLD1.P %d(R2), %s", 16*count, list(0, count))
		w("\tVLD1.P %d(R3), %s", 16*count, list(4, count))
		for i := V(0); i < V(count); i++ {
			op(FADD(i, i, 4+i))
		}
		w("\tVST1.P %s, %d(R0)", list(0, count), 16*count)
	})
	w("\tRET")
}

func normalize4() {
	header("normalizeNEON4", "(dst, x *float32, n int, mean, inv float32, gain, bias *float32)", 48)
	w("\tMOVD dst+0(FP), R0\n\tMOVD n+16(FP), R1\n\tMOVD x+8(FP), R2\n\tMOVD gain+32(FP), R3\n\tMOVD bias+40(FP), R4")
	w("\tFMOVS mean+24(FP), F16\n\tVDUP V16.S[0], V16.S4\n\tFMOVS inv+28(FP), F17")
	// (x − mean)·inv·gain + bias
	each("norm", func(count int) {
		w("\tVLD1.P %d(R2), %s", 16*count, list(0, count))
		w("\tVLD1.P %d(R3), %s", 16*count, list(4, count))
		w("\tVLD1.P %d(R4), %s", 16*count, list(8, count))
		for i := V(0); i < V(count); i++ {
			op(FSUB(i, i, 16), FMULe(i, i, 17, 0), FMLA(8+i, i, 4+i))
		}
		w("\tVST1.P %s, %d(R0)", list(8, count), 16*count)
	})
	w("\tRET")
}

func expShift4() {
	header("expShiftNEON4", "(x *float32, n int, m float32) float32", 28)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1\n\tFMOVS m+16(FP), F30\n\tVDUP V30.S[0], V30.S4")
	loadExp()
	w("\tVEOR V8.B16, V8.B16, V8.B16")
	w("exps_loop:\n\tCBZ  R1, exps_done")
	w("\tVLD1 (R0), [V0.S4]")
	op(FSUB(0, 0, 30))
	exp(0, 1, 2, 3, 4)
	op(FADD(8, 8, 0))
	w("\tVST1.P [V0.S4], 16(R0)\n\tSUB  $4, R1\n\tB    exps_loop")
	w("exps_done:")
	op(FADDP(8, 8, 8), FADDPs(8, 8))
	w("\tFMOVS F8, ret+24(FP)\n\tRET")
}

// gelu emits a kernel over x (R0) with an optional bias (R2, nil for
// none): body transforms V0 in place.
func gelu(name, label string, load func(), body func()) {
	header(name, "(x *float32, n int, bias *float32)", 24)
	w("\tMOVD x+0(FP), R0\n\tMOVD n+8(FP), R1\n\tMOVD bias+16(FP), R2")
	loadExp()
	load()
	w("\tCBZ  R2, %s_nobias", label)
	for _, bias := range []bool{true, false} {
		lbl := label + "_bias"
		if !bias {
			lbl = label + "_nobias"
			w("%s:", lbl)
		}
		w("%s_loop:\n\tCBZ  R1, %[1]s_done", lbl)
		w("\tVLD1 (R0), [V0.S4]")
		if bias {
			w("\tVLD1.P 16(R2), [V1.S4]")
			op(FADD(0, 0, 1))
		}
		body()
		w("\tVST1.P [V0.S4], 16(R0)\n\tSUB  $4, R1\n\tB    %s_loop", lbl)
		w("%s_done:\n\tRET", lbl)
	}
}

func geluTanh4() {
	gelu("geluTanhNEON4", "gt", func() {
		w("\tVLD1R.P 4(R9), [V30.S4] // K1\n\tVLD1R.P 4(R9), [V31.S4] // K2")
	}, func() {
		// x / (1 + exp(x·(K1 + (K2·x)·x)))
		op(FMUL(1, cK2, 0), MOV(2, cK1), FMLA(2, 1, 0), FMUL(1, 0, 2))
		exp(1, 2, 3, 4, 5)
		op(FADD(1, 1, cOne), FDIV(0, 0, 1))
	})
}

func geluErf4() {
	gelu("geluErfNEON4", "ge", func() {
		w("\tADD  $8, R9 // past K1, K2\n\tVLD1 (R9), %s // E0-E9, 1/√2", list(cErf, 3))
	}, func() {
		x, t, p, q, x2, lo := V(0), V(1), V(2), V(3), V(4), V(5)
		// z = |x|/√2, t = 1/(1 + z/2)
		op(FABS(t, x), FMULe(t, t, cErf+2, 2), MOV(q, cOne), FMLA(q, t, cHalf), FDIV(t, cOne, q))
		// P(t) by Horner from E0.
		w("\tVDUP V%d.S[0], V%d.S4", cErf, p)
		for i := 1; i <= 9; i++ {
			w("\tVDUP V%d.S[%d], V%d.S4", cErf+V(i/4), i%4, q)
			op(FMLA(q, p, t))
			p, q = q, p
		}
		// The exp argument P − x²/2 with x² split into its rounded value
		// and the exact rounding error.
		op(FMUL(x2, x, x), FNEG(lo, x2), FMLA(lo, x, x), FMLS(p, x2, cHalf), FMLS(p, lo, cHalf))
		exp(p, 6, 7, 8, 9)
		h, xh, r, neg := V(10), V(11), V(12), V(6)
		// half = t/2·exp(...); x < 0: x·half, else x − x·half.
		op(FMUL(h, cHalf, t), FMUL(h, h, p), FMUL(xh, x, h), MOV(r, x), FMLS(r, x, h))
		op(FCMLTZ(neg, x), BSL(neg, xh, r), MOV(x, neg))
	})
}

// decls writes the Go side: the table's layout and the declarations.
func decls() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("// Code generated by gen_neon.go; DO NOT EDIT.\n\npackage vec\n")
	p("// Indices into neonConsts, in the order the NEON kernels load them.")
	p("const (")
	for i, n := range table {
		p("\tn%s = %d", n, i)
	}
	p("\tnNeonConsts = %d\n)\n", len(table))
	for _, d := range []string{
		"maxNEON4(x *float32, n int) float32",
		"sumNEON4(x *float32, n int) float32",
		"sumSqDevNEON4(x *float32, n int, m float32) float32",
		"scaleNEON4(x *float32, n int, s float32)",
		"addNEON4(dst, a, b *float32, n int)",
		"normalizeNEON4(dst, x *float32, n int, mean, inv float32, gain, bias *float32)",
		"expShiftNEON4(x *float32, n int, m float32) float32",
		"geluTanhNEON4(x *float32, n int, bias *float32)",
		"geluErfNEON4(x *float32, n int, bias *float32)",
	} {
		p("//go:noescape\nfunc %s\n", d)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(err)
	}
	return src
}

// dir is where the files are written: this package's folder by default;
// scripts/check-generated writes elsewhere and compares.
var dir = flag.String("o", ".", "the folder to write the generated files to")

func main() {
	flag.Parse()
	w("// Code generated by gen_neon.go; DO NOT EDIT.\n")
	w("#include \"textflag.h\"\n")
	w("// NEON kernels over n floats, n a multiple of 4 (see vec_arm64.go).")
	w("// V16-V29 hold the exp constants, V30-V31 or V13-V15 a GELU's.")
	max4()
	sum4()
	sumSqDev4()
	scale4()
	add4()
	normalize4()
	expShift4()
	geluTanh4()
	geluErf4()
	if err := os.WriteFile(filepath.Join(*dir, "vec_neon_arm64.s"), out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(*dir, "neon_arm64.go"), decls(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
