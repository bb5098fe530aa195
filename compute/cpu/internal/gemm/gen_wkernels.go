//go:build ignore

// gen_wkernels writes wkernel_amd64.s and wkernel_amd64.go: the bfloat16
// direct-A micro-kernels (AVX512_BF16 VDPBF16PS), the float32 → bfloat16
// conversion (VCVTNE2PS2BF16) and the masked 16×16 transpose that moves
// MulW's Cᵀ tiles into C:
//
//	go run gen_wkernels.go
//
// The Go assembler does not know the AVX512_BF16 instructions, so they
// are written as bytes (register operands only, EVEX-encoded by evex).
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"strings"
)

var out bytes.Buffer

func w(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

// evex encodes a 512-bit EVEX instruction of the 0F38 map with register
// operands only: dst in ModRM.reg, src1 in EVEX.vvvv, src2 in ModRM.rm,
// W0, no masking. pp selects the implied prefix (1: 66, 2: F3, 3: F2).
func evex(opcode byte, pp byte, dst, src1, src2 int) string {
	bit := func(v, b int) byte { return byte((v >> b) & 1) }
	p0 := (1-bit(dst, 3))<<7 | (1-bit(src2, 4))<<6 | (1-bit(src2, 3))<<5 | (1-bit(dst, 4))<<4 | 0b10
	p1 := byte(^src1&15)<<3 | 1<<2 | pp
	p2 := byte(0b10)<<5 | (1-bit(src1, 4))<<3
	modrm := 0xC0 | byte(dst&7)<<3 | byte(src2&7)
	var parts []string
	for _, b := range []byte{0x62, p0, p1, p2, opcode, modrm} {
		parts = append(parts, fmt.Sprintf("BYTE $0x%02x", b))
	}
	return strings.Join(parts, "; ")
}

// vdpbf16ps writes VDPBF16PS zsrc2, zsrc1, zdst: zdst[i] += zsrc1[2i]·zsrc2[2i]
// + zsrc1[2i+1]·zsrc2[2i+1], the products of bfloat16 pairs summed in float32.
func vdpbf16ps(dst, src1, src2 int) string {
	return evex(0x52, 2, dst, src1, src2) + fmt.Sprintf(" // VDPBF16PS Z%d, Z%d, Z%d", src2, src1, dst)
}

// vcvtne2ps2bf16 writes VCVTNE2PS2BF16: zdst's 32 bfloat16 are zsrc2's 16
// floats (low half) then zsrc1's (high half), rounded to nearest even.
func vcvtne2ps2bf16(dst, src1, src2 int) string {
	return evex(0x72, 3, dst, src1, src2) + fmt.Sprintf(" // VCVTNE2PS2BF16 Z%d, Z%d, Z%d", src2, src1, dst)
}

// rowAddr is the address of row r of a direct-A strip at the current k:
// rows 0-6 from SI, rows 7-13 from BX = SI + 7·lda, with R9 = lda,
// R10 = 3·lda, R11 = 5·lda (bytes).
func rowAddr(r int) string {
	base := "SI"
	if r >= 7 {
		base = "BX"
	}
	return fmt.Sprintf([...]string{"(%[1]s)", "(%[1]s)(R9*1)", "(%[1]s)(R9*2)", "(%[1]s)(R10*1)", "(%[1]s)(R9*4)", "(%[1]s)(R11*1)", "(%[1]s)(R10*2)"}[r%7], base)
}

// bf16Kernel emits kb<rows>x32: C[rows×32] (=|+=) A·B over k pairs, where
// row r of A is bfloat16 pairs read in place (row stride lda 32-bit words)
// and B is a packed strip of 32 columns, each k step one 32-bit word (a
// bfloat16 pair) per column. mask and acc as in the float32 kd kernels.
func bf16Kernel(rows int) {
	name := fmt.Sprintf("kb%dx32", rows)
	lbl := fmt.Sprintf("kb%d", rows)
	w("// func %s(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)", name)
	w("TEXT ·%s(SB), NOSPLIT, $0-64", name)
	w("\tMOVQ k+0(FP), CX\n\tMOVQ a+8(FP), SI\n\tMOVQ lda+16(FP), R9\n\tSHLQ $2, R9")
	w("\tLEAQ (R9)(R9*2), R10\n\tLEAQ (R9)(R9*4), R11\n\tLEAQ (R10)(R9*4), R12\n\tLEAQ (SI)(R12*1), BX")
	w("\tMOVQ b+24(FP), DI\n\tMOVQ c+32(FP), DX\n\tMOVQ ldc+40(FP), R8\n\tSHLQ $2, R8")
	for i := 0; i < 2*rows; i++ {
		w("\tVPXORD Z%d, Z%d, Z%d", i, i, i)
	}
	w("\n%s_loop:", lbl)
	w("\tVMOVUPS (DI), Z28\n\tVMOVUPS 64(DI), Z29")
	for r := 0; r < rows; r++ {
		t := 30 + r%2
		w("\tVPBROADCASTD %s, Z%d", rowAddr(r), t)
		w("\t%s", vdpbf16ps(2*r, t, 28))
		w("\t%s", vdpbf16ps(2*r+1, t, 29))
	}
	w("\tADDQ $4, SI\n\tADDQ $4, BX\n\tADDQ $128, DI\n\tDECQ CX\n\tJNZ  %s_loop\n", lbl)
	w("\tMOVL mask+48(FP), AX\n\tMOVQ acc+56(FP), BX")
	epilogue(rows, lbl)
}

// epilogue stores the rows×32 accumulators Z0.. to C at DX (row stride R8),
// adding C first when BX ≠ 0, writing only the columns set in AX.
func epilogue(rows int, lbl string) {
	w("\tCMPL AX, $-1\n\tJNE  %s_masked", lbl)
	w("\tTESTQ BX, BX\n\tJZ   %s_store", lbl)
	for r := 0; r < rows; r++ {
		w("\tVADDPS (DX), Z%d, Z%d\n\tVADDPS 64(DX), Z%d, Z%d", 2*r, 2*r, 2*r+1, 2*r+1)
		w("\tVMOVUPS Z%d, (DX)\n\tVMOVUPS Z%d, 64(DX)", 2*r, 2*r+1)
		if r < rows-1 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER\n\tRET")
	w("\n%s_store:", lbl)
	for r := 0; r < rows; r++ {
		w("\tVMOVUPS Z%d, (DX)\n\tVMOVUPS Z%d, 64(DX)", 2*r, 2*r+1)
		if r < rows-1 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER\n\tRET")
	w("\n%s_masked:", lbl)
	w("\tKMOVW AX, K1\n\tSHRL $16, AX\n\tKMOVW AX, K2")
	w("\tTESTQ BX, BX\n\tJZ   %s_mstore", lbl)
	for r := 0; r < rows; r++ {
		w("\tVMOVUPS.Z (DX), K1, Z30\n\tVMOVUPS.Z 64(DX), K2, Z31")
		w("\tVADDPS Z30, Z%d, Z%d\n\tVADDPS Z31, Z%d, Z%d", 2*r, 2*r, 2*r+1, 2*r+1)
		w("\tVMOVUPS Z%d, K1, (DX)\n\tVMOVUPS Z%d, K2, 64(DX)", 2*r, 2*r+1)
		if r < rows-1 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER\n\tRET")
	w("\n%s_mstore:", lbl)
	for r := 0; r < rows; r++ {
		w("\tVMOVUPS Z%d, K1, (DX)\n\tVMOVUPS Z%d, K2, 64(DX)", 2*r, 2*r+1)
		if r < rows-1 {
			w("\tADDQ R8, DX")
		}
	}
	w("\tVZEROUPPER\n\tRET\n")
}

// transpose16 transposes the 16×16 block in Z0-Z15 (row i in Zi) into
// Z0-Z15 (column i in Zi), through Z16-Z31: unpack pairs of rows, shuffle
// quadruples within 128-bit lanes, then exchange lanes in two steps.
func transpose16() {
	for i := 0; i < 16; i += 2 {
		w("\tVUNPCKLPS Z%d, Z%d, Z%d", i+1, i, 16+i)
		w("\tVUNPCKHPS Z%d, Z%d, Z%d", i+1, i, 17+i)
	}
	for g := 0; g < 4; g++ {
		t := 16 + 4*g
		w("\tVSHUFPS $0x44, Z%d, Z%d, Z%d", t+2, t, 4*g)
		w("\tVSHUFPS $0xEE, Z%d, Z%d, Z%d", t+2, t, 4*g+1)
		w("\tVSHUFPS $0x44, Z%d, Z%d, Z%d", t+3, t+1, 4*g+2)
		w("\tVSHUFPS $0xEE, Z%d, Z%d, Z%d", t+3, t+1, 4*g+3)
	}
	for j := 0; j < 4; j++ {
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 4+j, j, 16+j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 4+j, j, 20+j)
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 12+j, 8+j, 24+j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 12+j, 8+j, 28+j)
	}
	for j := 0; j < 4; j++ {
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 24+j, 16+j, j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 24+j, 16+j, 8+j)
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 28+j, 20+j, 4+j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 28+j, 20+j, 12+j)
	}
}

// tr16 emits tr16x16: dst[j·ldd + i] = src[i·lds + j] (+ bias[i] when
// bias is not nil) for the 16×16 block at src, storing dst rows j < rows
// and, in each, the columns set in lanes. All 16 source rows of 16 floats
// are read; bias is read in the lanes set.
func tr16() {
	w("// func tr16x16(dst *float32, ldd int, src *float32, lds int, lanes uint32, rows int, bias *float32)")
	w("TEXT ·tr16x16(SB), NOSPLIT, $0-56")
	w("\tMOVQ dst+0(FP), DI\n\tMOVQ ldd+8(FP), R8\n\tSHLQ $2, R8\n\tMOVQ src+16(FP), SI\n\tMOVQ lds+24(FP), R9\n\tSHLQ $2, R9")
	w("\tMOVL lanes+32(FP), AX\n\tKMOVW AX, K1\n\tMOVQ rows+40(FP), CX")
	for i := 0; i < 16; i++ {
		w("\tVMOVUPS (SI), Z%d", i)
		if i < 15 {
			w("\tADDQ R9, SI")
		}
	}
	transpose16()
	w("\tMOVQ bias+48(FP), DX\n\tTESTQ DX, DX\n\tJZ   tr_store")
	w("\tVMOVUPS.Z (DX), K1, Z16")
	for j := 0; j < 16; j++ {
		w("\tVADDPS Z16, Z%d, Z%d", j, j)
	}
	w("\ntr_store:")
	for j := 0; j < 16; j++ {
		w("\tVMOVUPS Z%d, K1, (DI)", j)
		if j < 15 {
			w("\tDECQ CX\n\tJZ   tr_done\n\tADDQ R8, DI")
		}
	}
	w("\ntr_done:\n\tVZEROUPPER\n\tRET\n")
}

// cvt emits cvtBF16: n floats at src (n a multiple of 32) rounded to
// bfloat16 (nearest even), written as n/2 32-bit words of pairs at dst.
func cvt() {
	w("// func cvtBF16(dst *float32, src *float32, n int)")
	w("TEXT ·cvtBF16(SB), NOSPLIT, $0-24")
	w("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ n+16(FP), CX\n\tSHRQ $5, CX\n\tJZ   cvt_done")
	w("\ncvt_loop:")
	w("\tVMOVUPS (SI), Z0\n\tVMOVUPS 64(SI), Z1")
	w("\t%s", vcvtne2ps2bf16(2, 1, 0))
	w("\tVMOVUPS Z2, (DI)\n\tADDQ $128, SI\n\tADDQ $64, DI\n\tDECQ CX\n\tJNZ  cvt_loop")
	w("\ncvt_done:\n\tVZEROUPPER\n\tRET\n")
	w("// func cvtScaledBF16(dst *float32, src *float32, n int, scale float32)")
	w("TEXT ·cvtScaledBF16(SB), NOSPLIT, $0-28")
	w("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ n+16(FP), CX\n\tVBROADCASTSS scale+24(FP), Z3\n\tSHRQ $5, CX\n\tJZ   cvs_done")
	w("\ncvs_loop:")
	w("\tVMULPS (SI), Z3, Z0\n\tVMULPS 64(SI), Z3, Z1")
	w("\t%s", vcvtne2ps2bf16(2, 1, 0))
	w("\tVMOVUPS Z2, (DI)\n\tADDQ $128, SI\n\tADDQ $64, DI\n\tDECQ CX\n\tJNZ  cvs_loop")
	w("\ncvs_done:\n\tVZEROUPPER\n\tRET\n")
}

// prefetch emits prefetchRows: PREFETCHT1 of every 64-byte line of rows
// rows of n bytes each, ld bytes apart, starting at p.
func prefetch() {
	w("// func prefetchRows(p *float32, ld, rows, n int)")
	w("TEXT ·prefetchRows(SB), NOSPLIT, $0-32")
	w("\tMOVQ p+0(FP), SI\n\tMOVQ ld+8(FP), R8\n\tMOVQ rows+16(FP), CX\n\tMOVQ n+24(FP), DX")
	w("\tTESTQ CX, CX\n\tJZ   pf_done\n\tTESTQ DX, DX\n\tJZ   pf_done")
	w("\npf_row:\n\tXORQ AX, AX")
	w("\npf_line:\n\tPREFETCHT1 (SI)(AX*1)\n\tADDQ $64, AX\n\tCMPQ AX, DX\n\tJB   pf_line")
	w("\tADDQ R8, SI\n\tDECQ CX\n\tJNZ  pf_row")
	w("\npf_done:\n\tRET\n")
}

// transABF16 emits kc<rows>x32, the bfloat16 form of the transposed-A
// kernels (kt): C[rows×32] (=|+=) A·B over k pairs, where row r of A is
// the 32-bit word (a bfloat16 pair) at byte offset 4r from the A pointer,
// which moves aks words per step (the attention probabilities of a pair of
// keys, query by query), and B is 32 words per step read in place, moving
// bks words per step (a pair of V's rows, interleaved). Columns past the
// mask are neither loaded nor stored.
func transABF16(rows int) {
	name := fmt.Sprintf("kc%dx32", rows)
	lbl := fmt.Sprintf("kc%d", rows)
	w("// func %s(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)", name)
	w("TEXT ·%s(SB), NOSPLIT, $0-72", name)
	w("\tMOVQ k+0(FP), CX\n\tMOVQ a+8(FP), SI\n\tMOVQ aks+16(FP), R9\n\tSHLQ $2, R9")
	w("\tMOVQ b+24(FP), DI\n\tMOVQ bks+32(FP), R10\n\tSHLQ $2, R10")
	w("\tMOVQ c+40(FP), DX\n\tMOVQ ldc+48(FP), R8\n\tSHLQ $2, R8")
	for i := 0; i < 2*rows; i++ {
		w("\tVPXORD Z%d, Z%d, Z%d", i, i, i)
	}
	w("\tMOVL mask+56(FP), AX\n\tCMPL AX, $-1\n\tJNE  %s_mloop_init", lbl)
	for pass := 0; pass < 2; pass++ {
		if pass == 0 {
			w("\n%s_loop:", lbl)
			w("\tVMOVUPS (DI), Z28\n\tVMOVUPS 64(DI), Z29")
		} else {
			w("\n%s_mloop_init:", lbl)
			w("\tKMOVW AX, K1\n\tSHRL $16, AX\n\tKMOVW AX, K2")
			w("\n%s_mloop:", lbl)
			w("\tVMOVUPS.Z (DI), K1, Z28\n\tVMOVUPS.Z 64(DI), K2, Z29")
		}
		for r := 0; r < rows; r++ {
			t := 30 + r%2
			w("\tVPBROADCASTD %d(SI), Z%d", 4*r, t)
			w("\t%s", vdpbf16ps(2*r, t, 28))
			w("\t%s", vdpbf16ps(2*r+1, t, 29))
		}
		if pass == 0 {
			w("\tADDQ R9, SI\n\tADDQ R10, DI\n\tDECQ CX\n\tJNZ  %s_loop", lbl)
			w("\tJMP  %s_done", lbl)
		} else {
			w("\tADDQ R9, SI\n\tADDQ R10, DI\n\tDECQ CX\n\tJNZ  %s_mloop", lbl)
		}
	}
	w("\n%s_done:", lbl)
	w("\tMOVL mask+56(FP), AX\n\tMOVQ acc+64(FP), BX")
	epilogue(rows, lbl)
}

// pairs emits cvtPairs: n floats of a and of b (n a multiple of 16)
// rounded to bfloat16 and interleaved, word i = (a[i], b[i]), at dst.
func pairs() {
	w("// The word order that interleaves the two halves of a VCVTNE2PS2BF16")
	w("// result: word 2i from the low half (a), 2i+1 from the high half (b).")
	for i := 0; i < 32; i++ {
		w("DATA ·pairIdx+%d(SB)/2, $%d", 2*i, i/2+16*(i%2))
	}
	w("GLOBL ·pairIdx(SB), RODATA|NOPTR, $64\n")
	w("// func cvtPairs(dst *float32, a, b *float32, n int)")
	w("TEXT ·cvtPairs(SB), NOSPLIT, $0-32")
	w("\tMOVQ dst+0(FP), DI\n\tMOVQ a+8(FP), SI\n\tMOVQ b+16(FP), DX\n\tMOVQ n+24(FP), CX\n\tSHRQ $4, CX\n\tJZ   cp_done")
	w("\tVMOVDQU16 ·pairIdx(SB), Z4")
	w("\ncp_loop:")
	w("\tVMOVUPS (SI), Z0\n\tVMOVUPS (DX), Z1")
	w("\t%s", vcvtne2ps2bf16(2, 1, 0))
	w("\tVPERMW Z2, Z4, Z3")
	w("\tVMOVUPS Z3, (DI)\n\tADDQ $64, SI\n\tADDQ $64, DX\n\tADDQ $64, DI\n\tDECQ CX\n\tJNZ  cp_loop")
	w("\ncp_done:\n\tVZEROUPPER\n\tRET\n")
}

func decls() {
	w("// Code generated by gen_wkernels.go; DO NOT EDIT.\n\npackage gemm\n")
	const sig = "(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)"
	w("// kbTable[r] is the bfloat16 direct-A micro-kernel of r rows (r = 1..14).")
	w("var kbTable = [15]func%s{\n\tnil,", sig)
	for r := 1; r <= 14; r++ {
		w("\tkb%dx32,", r)
	}
	w("}\n")
	for r := 1; r <= 14; r++ {
		w("//go:noescape\nfunc kb%dx32%s\n", r, sig)
	}
	const tsig = "(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)"
	w("// kcTable[r] is the bfloat16 transposed-A micro-kernel of r rows (r = 1..14).")
	w("var kcTable = [15]func%s{\n\tnil,", tsig)
	for r := 1; r <= 14; r++ {
		w("\tkc%dx32,", r)
	}
	w("}\n")
	for r := 1; r <= 14; r++ {
		w("//go:noescape\nfunc kc%dx32%s\n", r, tsig)
	}
	w("//go:noescape\nfunc cvtPairs(dst *float32, a, b *float32, n int)\n")
	w("//go:noescape\nfunc tr16x16(dst *float32, ldd int, src *float32, lds int, lanes uint32, rows int, bias *float32)\n")
	w("//go:noescape\nfunc cvtBF16(dst *float32, src *float32, n int)\n")
	w("//go:noescape\nfunc cvtScaledBF16(dst *float32, src *float32, n int, scale float32)\n")
	w("//go:noescape\nfunc prefetchRows(p *float32, ld, rows, n int)")
}

func main() {
	w("// Code generated by gen_wkernels.go; DO NOT EDIT.\n")
	w("#include \"textflag.h\"\n")
	for r := 1; r <= 14; r++ {
		bf16Kernel(r)
	}
	for r := 1; r <= 14; r++ {
		transABF16(r)
	}
	pairs()
	tr16()
	cvt()
	prefetch()
	if err := os.WriteFile("wkernel_amd64.s", out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Reset()
	decls()
	src, err := format.Source(out.Bytes())
	if err == nil {
		err = os.WriteFile("wkernel_amd64.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
