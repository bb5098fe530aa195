//go:build ignore

// gen_kernels writes kernel_amd64.s, the fully unrolled micro-kernels and
// the AVX-512 transposing pack: go generate ./compute/cpu/internal/gemm
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
)

var out bytes.Buffer

func w(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }

// kernel emits one micro-kernel of rows×2 vector accumulators. reg is the
// register prefix (Z or Y), vb the vector size in bytes, acc the first
// temporary register number after the accumulators.
func kernel(name, label, reg string, rows, vb int, zero string) {
	w("// func %s(k int, a, b, c *float32, ldc int, alpha, beta float32)", name)
	w("TEXT ·%s(SB), NOSPLIT, $0-48", name)
	w("\tMOVQ k+0(FP), CX\n\tMOVQ a+8(FP), SI\n\tMOVQ b+16(FP), DI\n\tMOVQ c+24(FP), DX\n\tMOVQ ldc+32(FP), R8\n\tSHLQ $2, R8")
	for i := 0; i < 2*rows; i++ {
		w("\t%s %s%d, %s%d, %s%d", zero, reg, i, reg, i, reg, i)
	}
	b0, b1 := 2*rows, 2*rows+1 // the two B vectors
	tmp := 2*rows + 2          // broadcast registers rotate from here
	ntmp := map[string]int{"Z": 6, "Y": 2}[reg]
	w("\n%s_loop:", label)
	w("\tVMOVUPS (DI), %s%d\n\tVMOVUPS %d(DI), %s%d", reg, b0, vb, reg, b1)
	for r := 0; r < rows; r++ {
		t := tmp + r%ntmp
		w("\tVBROADCASTSS %d(SI), %s%d", 4*r, reg, t)
		w("\tVFMADD231PS %s%d, %s%d, %s%d", reg, b0, reg, t, reg, 2*r)
		w("\tVFMADD231PS %s%d, %s%d, %s%d", reg, b1, reg, t, reg, 2*r+1)
	}
	w("\tADDQ $%d, SI\n\tADDQ $%d, DI\n\tDECQ CX\n\tJNZ  %s_loop\n", 4*rows, 2*vb, label)
	al, be := tmp, tmp+1
	w("\tVBROADCASTSS alpha+40(FP), %s%d\n\tVBROADCASTSS beta+44(FP), %s%d", reg, al, reg, be)
	w("\tMOVL beta+44(FP), AX\n\tANDL $0x7fffffff, AX\n\tJZ   %s_store\n", label)
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			w("\n%s_store:", label)
		}
		for r := 0; r < rows; r++ {
			w("\tVMULPS %s%d, %s%d, %s%d\n\tVMULPS %s%d, %s%d, %s%d", reg, al, reg, 2*r, reg, 2*r, reg, al, reg, 2*r+1, reg, 2*r+1)
			if pass == 0 { // C = alpha·AB + beta·C
				w("\tVFMADD231PS (DX), %s%d, %s%d\n\tVFMADD231PS %d(DX), %s%d, %s%d", reg, be, reg, 2*r, vb, reg, be, reg, 2*r+1)
			}
			w("\tVMOVUPS %s%d, (DX)\n\tVMOVUPS %s%d, %d(DX)", reg, 2*r, reg, 2*r+1, vb)
			if r < rows-1 {
				w("\tADDQ R8, DX")
			}
		}
		w("\tVZEROUPPER\n\tRET")
	}
	w("")
}

// transpose16 transposes the 16×16 block in Z0-Z15 (row i in Zi) into
// Z0-Z15 (column i in Zi), through Z16-Z31: unpack pairs of rows, shuffle
// quadruples within 128-bit lanes, then exchange lanes in two steps.
func transpose16() {
	for i := 0; i < 16; i += 2 {
		w("\tVUNPCKLPS Z%d, Z%d, Z%d", i+1, i, 16+i)
		w("\tVUNPCKHPS Z%d, Z%d, Z%d", i+1, i, 17+i)
	}
	// Group g (rows 4g..4g+3): u[4g+j] holds element 4L+j of the four rows
	// in lane L.
	for g := 0; g < 4; g++ {
		t := 16 + 4*g
		w("\tVSHUFPS $0x44, Z%d, Z%d, Z%d", t+2, t, 4*g)
		w("\tVSHUFPS $0xEE, Z%d, Z%d, Z%d", t+2, t, 4*g+1)
		w("\tVSHUFPS $0x44, Z%d, Z%d, Z%d", t+3, t+1, 4*g+2)
		w("\tVSHUFPS $0xEE, Z%d, Z%d, Z%d", t+3, t+1, 4*g+3)
	}
	for j := 0; j < 4; j++ {
		// v = [g0 L0, g0 L2, g1 L0, g1 L2], x = [g0 L1, g0 L3, g1 L1, g1 L3];
		// v', x' the same for groups 2 and 3.
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 4+j, j, 16+j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 4+j, j, 20+j)
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 12+j, 8+j, 24+j)
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 12+j, 8+j, 28+j)
	}
	for j := 0; j < 4; j++ {
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 24+j, 16+j, j)    // element j
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 24+j, 16+j, 8+j)  // element 8+j
		w("\tVSHUFF32X4 $0x88, Z%d, Z%d, Z%d", 28+j, 20+j, 4+j)  // element 4+j
		w("\tVSHUFF32X4 $0xDD, Z%d, Z%d, Z%d", 28+j, 20+j, 12+j) // element 12+j
	}
}

// packT32 emits packBT32: dst[p·32 + j] = src[j·ldb + p] for j < 32,
// p < k, sixteen p at a time by two in-register transposes, the rest of k
// by gathers.
func packT32() {
	w("// func packBT32(dst, src *float32, ldb, k int)")
	w("TEXT ·packBT32(SB), NOSPLIT, $0-32")
	w("\tMOVQ dst+0(FP), DI\n\tMOVQ src+8(FP), SI\n\tMOVQ ldb+16(FP), AX\n\tMOVQ k+24(FP), CX")
	w("\tMOVQ AX, R9\n\tSHLQ $2, R9 // row stride in bytes")
	w("\nt32_block:\n\tCMPQ CX, $16\n\tJB   t32_gather")
	for half := 0; half < 2; half++ {
		w("\tMOVQ SI, R10")
		if half == 1 {
			w("\tMOVQ R9, R11\n\tSHLQ $4, R11\n\tADDQ R11, R10")
		}
		for i := 0; i < 16; i++ {
			w("\tVMOVUPS (R10), Z%d", i)
			if i < 15 {
				w("\tADDQ R9, R10")
			}
		}
		transpose16()
		for e := 0; e < 16; e++ {
			w("\tVMOVUPS Z%d, %d(DI)", e, e*128+half*64)
		}
	}
	w("\tADDQ $64, SI\n\tADDQ $2048, DI\n\tSUBQ $16, CX\n\tJMP  t32_block")
	w("\nt32_gather:\n\tTESTQ CX, CX\n\tJZ   t32_done")
	w("\tVPBROADCASTD AX, Z3\n\tVMOVDQU32 ·iota16(SB), Z1\n\tVPMULLD Z3, Z1, Z1")
	w("\tSHLQ $4, AX\n\tVPBROADCASTD AX, Z4\n\tVPADDD Z4, Z1, Z2")
	w("\nt32_gloop:")
	w("\tKXNORW K1, K1, K1\n\tKXNORW K2, K2, K2")
	w("\tVGATHERDPS (SI)(Z1*4), K1, Z0\n\tVGATHERDPS (SI)(Z2*4), K2, Z5")
	w("\tVMOVUPS Z0, (DI)\n\tVMOVUPS Z5, 64(DI)")
	w("\tADDQ $4, SI\n\tADDQ $128, DI\n\tDECQ CX\n\tJNZ  t32_gloop")
	w("\nt32_done:\n\tVZEROUPPER\n\tRET\n")
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

// direct emits kd<rows>x32: C[rows×32] (=|+=) A·B where A is read in place
// (rows of a row-major matrix, row stride lda) and B is a packed k×32
// strip. The columns of C that are written are those whose bit is set in
// mask (bit j for column j); acc ≠ 0 adds to C instead of overwriting it.
func direct(rows int) {
	name := fmt.Sprintf("kd%dx32", rows)
	lbl := fmt.Sprintf("kd%d", rows)
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
		w("\tVBROADCASTSS %s, Z%d", rowAddr(r), t)
		w("\tVFMADD231PS Z28, Z%d, Z%d", t, 2*r)
		w("\tVFMADD231PS Z29, Z%d, Z%d", t, 2*r+1)
	}
	w("\tADDQ $4, SI\n\tADDQ $4, BX\n\tADDQ $128, DI\n\tDECQ CX\n\tJNZ  %s_loop\n", lbl)
	w("\tMOVL mask+48(FP), AX\n\tMOVQ acc+56(FP), BX")
	epilogue(rows, lbl)
}

// transA emits kt<rows>x32: C[rows×32] (=|+=) A·B where row r of A is
// the float at byte offset 4r from the current A pointer, which moves aks
// floats per k step (A is the transpose of a row-major matrix, as the
// attention probabilities are stored key by key), and B is read in place,
// 32 floats per k step, moving bks floats per step (the rows of V). mask
// and acc as in kd.
func transA(rows int) {
	name := fmt.Sprintf("kt%dx32", rows)
	lbl := fmt.Sprintf("kt%d", rows)
	w("// func %s(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)", name)
	w("TEXT ·%s(SB), NOSPLIT, $0-72", name)
	w("\tMOVQ k+0(FP), CX\n\tMOVQ a+8(FP), SI\n\tMOVQ aks+16(FP), R9\n\tSHLQ $2, R9")
	w("\tMOVQ b+24(FP), DI\n\tMOVQ bks+32(FP), R10\n\tSHLQ $2, R10")
	w("\tMOVQ c+40(FP), DX\n\tMOVQ ldc+48(FP), R8\n\tSHLQ $2, R8")
	for i := 0; i < 2*rows; i++ {
		w("\tVPXORD Z%d, Z%d, Z%d", i, i, i)
	}
	// Columns past the mask are not loaded from B either (the rows of V
	// may end there), in a second copy of the loop.
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
			w("\tVBROADCASTSS %d(SI), Z%d", 4*r, t)
			w("\tVFMADD231PS Z28, Z%d, Z%d", t, 2*r)
			w("\tVFMADD231PS Z29, Z%d, Z%d", t, 2*r+1)
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

// decls writes the Go side of the kd and kt kernels: declarations and the
// tables indexed by row count.
func decls() {
	w("// Code generated by gen_kernels.go; DO NOT EDIT.\n\npackage gemm\n")
	const kdSig = "(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)"
	const ktSig = "(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)"
	for _, t := range []struct{ name, doc string }{{"kd", "direct-A"}, {"kt", "transposed-A"}} {
		w("// %sTable[r] is the AVX-512 %s micro-kernel of r rows (r = 1..14).", t.name, t.doc)
		w("var %sTable = [15]%sFunc{\n\tnil,", t.name, t.name)
		for r := 1; r <= 14; r++ {
			w("\t%s%dx32,", t.name, r)
		}
		w("}\n")
	}
	for _, t := range []struct{ name, sig string }{{"kd", kdSig}, {"kt", ktSig}} {
		for r := 1; r <= 14; r++ {
			w("//go:noescape\nfunc %s%dx32%s\n", t.name, r, t.sig)
		}
	}
}

// dir is where the files are written: this package's folder by default;
// scripts/check-generated writes elsewhere and compares.
var dir = flag.String("o", ".", "the folder to write the generated files to")

func main() {
	flag.Parse()
	w("// Code generated by gen_kernels.go; DO NOT EDIT.\n")
	w("#include \"textflag.h\"\n")
	w("// Micro-kernels: C[MR×NR] = alpha·A·B + beta·C for packed strips (A: MR")
	w("// values per k step, B: NR values per k step). beta = 0 never reads C.\n")
	kernel("kern12x32", "k512", "Z", 12, 64, "VPXORD")
	kernel("kern6x16", "k256", "Y", 6, 32, "VXORPS")
	packT32()
	for r := 1; r <= 14; r++ {
		direct(r)
	}
	for r := 1; r <= 14; r++ {
		transA(r)
	}
	if err := os.WriteFile(filepath.Join(*dir, "kernel_amd64.s"), out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Reset()
	decls()
	src, err := format.Source(out.Bytes())
	if err == nil {
		err = os.WriteFile(filepath.Join(*dir, "kd_amd64.go"), src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
