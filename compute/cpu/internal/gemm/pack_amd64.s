#include "textflag.h"

// The AVX2 transposing pack of a k-contiguous B (stored n×k, row stride
// ldb): dst[p*16 + j] = src[j*ldb + p] for j < 16, p < k, one gather per
// vector. (The AVX-512 one is generated into kernel_amd64.s.)


// func packBT16(dst, src *float32, ldb, k int)
TEXT ·packBT16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), AX
	MOVQ k+24(FP), CX
	MOVQ AX, X3
	VPBROADCASTD X3, Y3
	VMOVDQU ·iota16(SB), Y1
	VPMULLD Y3, Y1, Y1
	SHLQ $3, AX
	MOVQ AX, X4
	VPBROADCASTD X4, Y4
	VPADDD Y4, Y1, Y2

p16_loop:
	VPCMPEQD Y6, Y6, Y6
	VPCMPEQD Y7, Y7, Y7
	VGATHERDPS Y6, (SI)(Y1*4), Y0
	VGATHERDPS Y7, (SI)(Y2*4), Y5
	VMOVUPS Y0, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ $4, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  p16_loop
	VZEROUPPER
	RET
