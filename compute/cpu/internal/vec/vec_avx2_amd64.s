#include "textflag.h"
#include "consts_amd64.h"

// AVX2+FMA kernels. Eight floats per vector; the last partial vector is
// loaded and stored with VMASKMOVPS under a lane mask in Y7 taken from
// tailMask. Register conventions: Y8-Y13 hold exp constants, the other
// constants are full-vector memory operands from consts8.

// TAILMASK sets Y7 to the low CX lanes (CX < 8). Clobbers R8, R9.
#define TAILMASK \
	LEAQ ·tailMask(SB), R8 \
	MOVQ $8, R9 \
	SUBQ CX, R9 \
	VMOVDQU (R8)(R9*4), Y7

#define LOADEXP \
	VBROADCASTSS S_LOG2E, Y8 \
	VBROADCASTSS S_LN2HI, Y9 \
	VBROADCASTSS S_LN2LO, Y10 \
	VBROADCASTSS S_ONE, Y11 \
	VBROADCASTSS S_HI256, Y12 \
	VBROADCASTSS S_LO256, Y13

// EXP replaces X by exp(X) using T1, T2, as in the AVX-512 version, but
// builds 2ⁿ by adding n to the exponent bits (hence the tighter clamps).
#define EXP(X, T1, T2) \
	VMINPS X, Y12, X \
	VMAXPS X, Y13, X \
	VMULPS Y8, X, T1 \
	VROUNDPS $0, T1, T1 \
	VFNMADD231PS Y9, T1, X \
	VFNMADD231PS Y10, T1, X \
	VMOVUPS V_P0, T2 \
	VFMADD213PS V_P1, X, T2 \
	VFMADD213PS V_P2, X, T2 \
	VFMADD213PS V_P3, X, T2 \
	VFMADD213PS V_P4, X, T2 \
	VFMADD213PS V_P5, X, T2 \
	VFMADD213PS Y11, X, T2 \
	VFMADD213PS Y11, X, T2 \
	VCVTPS2DQ T1, T1 \
	VPSLLD $23, T1, T1 \
	VPADDD T1, T2, X

// GELUTANH replaces X by X/(1 + exp(X·(k1 + k2·X²))), using Y1-Y3.
#define GELUTANH(X) \
	VMULPS X, X, Y3 \
	VMULPS V_K2, Y3, Y3 \
	VADDPS V_K1, Y3, Y3 \
	VMULPS X, Y3, Y3 \
	EXP(Y3, Y1, Y2) \
	VADDPS Y11, Y3, Y3 \
	VDIVPS Y3, X, X

// GELUERF replaces X by X·Φ(X), as in the AVX-512 version; uses Y1-Y5.
#define GELUERF(X) \
	VANDPS V_ABSMASK, X, Y1 \
	VMULPS V_ISQRT2, Y1, Y1 \
	VMULPS V_HALF, Y1, Y2 \
	VADDPS Y11, Y2, Y2 \
	VDIVPS Y2, Y11, Y2 \
	VMOVUPS V_E0, Y3 \
	VFMADD213PS V_E1, Y2, Y3 \
	VFMADD213PS V_E2, Y2, Y3 \
	VFMADD213PS V_E3, Y2, Y3 \
	VFMADD213PS V_E4, Y2, Y3 \
	VFMADD213PS V_E5, Y2, Y3 \
	VFMADD213PS V_E6, Y2, Y3 \
	VFMADD213PS V_E7, Y2, Y3 \
	VFMADD213PS V_E8, Y2, Y3 \
	VFMADD213PS V_E9, Y2, Y3 \
	VMULPS X, X, Y4 \
	VMOVAPS Y4, Y5 \
	VFMSUB231PS X, X, Y5 \
	VFNMADD231PS V_HALF, Y4, Y3 \
	VFNMADD231PS V_HALF, Y5, Y3 \
	EXP(Y3, Y4, Y5) \
	VMULPS Y2, Y3, Y3 \
	VMULPS V_HALF, Y3, Y3 \
	VMULPS Y3, X, Y3 \
	VSUBPS Y3, X, Y4 \
	VBLENDVPS X, Y3, Y4, X

// HSUM and HMAX reduce Y0 to X0's lowest lane, using X1.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS X1, X0, X0 \
	VPERMILPS $0x4e, X0, X1 \
	VADDPS X1, X0, X0 \
	VPERMILPS $0xb1, X0, X1 \
	VADDPS X1, X0, X0

#define HMAX \
	VEXTRACTF128 $1, Y0, X1 \
	VMAXPS X1, X0, X0 \
	VPERMILPS $0x4e, X0, X1 \
	VMAXPS X1, X0, X0 \
	VPERMILPS $0xb1, X0, X1 \
	VMAXPS X1, X0, X0

// func maxAVX2(x *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS S_NEGINF, Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3

max_loop32:
	CMPQ CX, $32
	JB   max_loop8
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	VMAXPS 64(SI), Y2, Y2
	VMAXPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  max_loop32

max_loop8:
	CMPQ CX, $8
	JB   max_tail
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  max_loop8

max_tail:
	TESTQ CX, CX
	JZ    max_reduce
	TAILMASK
	VMASKMOVPS (SI), Y7, Y4
	VBLENDVPS Y7, Y4, Y1, Y4
	VMAXPS Y4, Y1, Y1

max_reduce:
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y2, Y0, Y0
	HMAX
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func expShiftAVX2(x *float32, n int, m float32) float32
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y15
	LOADEXP
	VXORPS Y14, Y14, Y14
	VXORPS Y6, Y6, Y6

exp_loop16:
	CMPQ CX, $16
	JB   exp_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y3
	VSUBPS Y15, Y0, Y0
	VSUBPS Y15, Y3, Y3
	EXP(Y0, Y1, Y2)
	EXP(Y3, Y4, Y5)
	VMOVUPS Y0, (SI)
	VMOVUPS Y3, 32(SI)
	VADDPS Y0, Y14, Y14
	VADDPS Y3, Y6, Y6
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  exp_loop16

exp_loop8:
	CMPQ CX, $8
	JB   exp_tail
	VMOVUPS (SI), Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2)
	VMOVUPS Y0, (SI)
	VADDPS Y0, Y14, Y14
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  exp_loop8

exp_tail:
	TESTQ CX, CX
	JZ    exp_reduce
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VSUBPS Y15, Y0, Y0
	EXP(Y0, Y1, Y2)
	VMASKMOVPS Y0, Y7, (SI)
	VANDPS Y7, Y0, Y0
	VADDPS Y0, Y14, Y14

exp_reduce:
	VADDPS Y6, Y14, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func scaleAVX2(x *float32, n int, s float32)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS s+16(FP), Y15

scale_loop32:
	CMPQ CX, $32
	JB   scale_loop8
	VMULPS (SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	VMULPS 64(SI), Y15, Y2
	VMULPS 96(SI), Y15, Y3
	VMOVUPS Y0, (SI)
	VMOVUPS Y1, 32(SI)
	VMOVUPS Y2, 64(SI)
	VMOVUPS Y3, 96(SI)
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  scale_loop32

scale_loop8:
	CMPQ CX, $8
	JB   scale_tail
	VMULPS (SI), Y15, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  scale_loop8

scale_tail:
	TESTQ CX, CX
	JZ    scale_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VMULPS Y15, Y0, Y0
	VMASKMOVPS Y0, Y7, (SI)

scale_done:
	VZEROUPPER
	RET

// func geluTanhAVX2(x *float32, n int, bias *float32)
TEXT ·geluTanhAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ bias+16(FP), BX
	LOADEXP
	TESTQ BX, BX
	JZ    gt_loop

gtb_loop:
	CMPQ CX, $8
	JB   gtb_tail
	VMOVUPS (SI), Y0
	VADDPS (BX), Y0, Y0
	GELUTANH(Y0)
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  gtb_loop

gtb_tail:
	TESTQ CX, CX
	JZ    gt_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VMASKMOVPS (BX), Y7, Y4
	VADDPS Y4, Y0, Y0
	GELUTANH(Y0)
	VMASKMOVPS Y0, Y7, (SI)
	JMP   gt_done

gt_loop:
	CMPQ CX, $8
	JB   gt_tail
	VMOVUPS (SI), Y0
	GELUTANH(Y0)
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  gt_loop

gt_tail:
	TESTQ CX, CX
	JZ    gt_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	GELUTANH(Y0)
	VMASKMOVPS Y0, Y7, (SI)

gt_done:
	VZEROUPPER
	RET

// func geluErfAVX2(x *float32, n int, bias *float32)
TEXT ·geluErfAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ bias+16(FP), BX
	LOADEXP
	TESTQ BX, BX
	JZ    ge_loop

geb_loop:
	CMPQ CX, $8
	JB   geb_tail
	VMOVUPS (SI), Y0
	VADDPS (BX), Y0, Y0
	GELUERF(Y0)
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  geb_loop

geb_tail:
	TESTQ CX, CX
	JZ    ge_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VMASKMOVPS (BX), Y7, Y4
	VADDPS Y4, Y0, Y0
	GELUERF(Y0)
	VMASKMOVPS Y0, Y7, (SI)
	JMP   ge_done

ge_loop:
	CMPQ CX, $8
	JB   ge_tail
	VMOVUPS (SI), Y0
	GELUERF(Y0)
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  ge_loop

ge_tail:
	TESTQ CX, CX
	JZ    ge_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	GELUERF(Y0)
	VMASKMOVPS Y0, Y7, (SI)

ge_done:
	VZEROUPPER
	RET

// func addAVX2(dst, a, b *float32, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), BX
	MOVQ n+24(FP), CX

add_loop32:
	CMPQ CX, $32
	JB   add_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS (BX), Y0, Y0
	VADDPS 32(BX), Y1, Y1
	VADDPS 64(BX), Y2, Y2
	VADDPS 96(BX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, BX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  add_loop32

add_loop8:
	CMPQ CX, $8
	JB   add_tail
	VMOVUPS (SI), Y0
	VADDPS (BX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  add_loop8

add_tail:
	TESTQ CX, CX
	JZ    add_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VMASKMOVPS (BX), Y7, Y1
	VADDPS Y1, Y0, Y0
	VMASKMOVPS Y0, Y7, (DI)

add_done:
	VZEROUPPER
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sum_loop32:
	CMPQ CX, $32
	JB   sum_loop8
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  sum_loop32

sum_loop8:
	CMPQ CX, $8
	JB   sum_tail
	VADDPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  sum_loop8

sum_tail:
	TESTQ CX, CX
	JZ    sum_reduce
	TAILMASK
	VMASKMOVPS (SI), Y7, Y4
	VADDPS Y4, Y1, Y1

sum_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func sumSqDevAVX2(x *float32, n int, m float32) float32
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS m+16(FP), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

ssd_loop32:
	CMPQ CX, $32
	JB   ssd_loop8
	VSUBPS (SI), Y15, Y4
	VSUBPS 32(SI), Y15, Y5
	VSUBPS 64(SI), Y15, Y6
	VSUBPS 96(SI), Y15, Y8
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y8, Y8, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP  ssd_loop32

ssd_loop8:
	CMPQ CX, $8
	JB   ssd_tail
	VSUBPS (SI), Y15, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP  ssd_loop8

ssd_tail:
	TESTQ CX, CX
	JZ    ssd_reduce
	TAILMASK
	VMASKMOVPS (SI), Y7, Y4
	VSUBPS Y4, Y15, Y4
	VANDPS Y7, Y4, Y4
	VFMADD231PS Y4, Y4, Y1

ssd_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func normalizeAVX2(dst, x *float32, n int, mean, inv float32, gain, bias *float32)
TEXT ·normalizeAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS mean+24(FP), Y14
	VBROADCASTSS inv+28(FP), Y15
	MOVQ gain+32(FP), DX
	MOVQ bias+40(FP), BX

norm_loop16:
	CMPQ CX, $16
	JB   norm_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSUBPS Y14, Y0, Y0
	VSUBPS Y14, Y1, Y1
	VMULPS Y15, Y0, Y0
	VMULPS Y15, Y1, Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	VFMADD213PS (BX), Y2, Y0
	VFMADD213PS 32(BX), Y3, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, BX
	SUBQ $16, CX
	JMP  norm_loop16

norm_loop8:
	CMPQ CX, $8
	JB   norm_tail
	VMOVUPS (SI), Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS (DX), Y2
	VFMADD213PS (BX), Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  norm_loop8

norm_tail:
	TESTQ CX, CX
	JZ    norm_done
	TAILMASK
	VMASKMOVPS (SI), Y7, Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMASKMOVPS (DX), Y7, Y2
	VMASKMOVPS (BX), Y7, Y3
	VFMADD213PS Y3, Y2, Y0
	VMASKMOVPS Y0, Y7, (DI)

norm_done:
	VZEROUPPER
	RET
