package gemm

//go:generate go run gen_wkernels.go

import "math"

// Products with the weight read where it lies: C = X·Wᵀ for PyTorch's
// row-major out×in float32 Linear weight as a checkpoint stores it, read in
// place from the mapped file. MulW computes Cᵀ = W·Xᵀ with the direct-A
// micro-kernels: 12 rows of W are broadcast in place (or from a copy of
// the block when its row stride crowds L1 sets), X is packed once per
// product into strips of 32 tokens (XPack), and the Cᵀ tiles are
// transposed into C with the bias added. Nothing is packed at load time;
// MulTPacked, with the weight packed once, is about 10% faster.

// wTB is the number of tokens (a multiple of 32) and wNF the number of
// features whose Cᵀ block is worked on at a time across the k blocks,
// sized for L2 with the packed strips.
var (
	wTB = 256
	wNF = 192
)

// wMR is the number of W's rows multiplied at a time (a direct-A kernel's
// rows); 12 keeps 16-feature blocks (aligned stores of C) whole in 96.
var wMR = 12

// ForceNoBF16 turns the bfloat16 kernels off (HasBF16 reports false), for
// the SIMD override and tests of the fallback. It must not change while a
// product runs.
var ForceNoBF16 bool

// HasBF16 reports whether MulW runs in bfloat16 on this CPU (AVX512_BF16).
func HasBF16() bool { return hasDirect() && !ForceNoBF16 && hasBF16() }

// BF16Words is the number of 32-bit words (bfloat16 pairs) of a row of k
// values.
func BF16Words(k int) int { return (k + 1) / 2 }

// XPack holds the activations X (tokens × k) of one product packed for
// MulW: strips of 32 tokens.
type XPack struct {
	p Packed
}

// Reset sizes p for t tokens of k values; strips are then filled by
// PackStrips.
func (p *XPack) Reset(t, k int) { p.p.Reset(t, k) }

// Strips is the number of 32-token strips.
func (p *XPack) Strips() int { return p.p.Strips() }

// Tokens is the number of tokens packed.
func (p *XPack) Tokens() int { return p.p.N }

// PackStrips packs strips [s0, s1) (tokens 32·s0 up to 32·s1) of X (row
// stride ldx). Disjoint ranges may be packed concurrently.
func (p *XPack) PackStrips(x []float32, ldx, s0, s1 int) { p.p.PackStrips(x, ldx, s0, s1) }

// MulW sets C[t0:t1, f0:f1] = X[t0:t1]·W[f0:f1]ᵀ (+ bias[f0:f1] when
// bias is not nil) for X packed in xp (t0 a multiple of 32) and W read in
// place: row-major with row stride ldw. c holds C with row stride ldc.
// Only HasDirect CPUs run it.
func (cx *Context) MulW(t0, t1, f0, f1 int, xp *XPack, w []float32, ldw int, bias, c []float32, ldc int) {
	p := &xp.p
	k := p.K
	if t1 <= t0 || f1 <= f0 {
		return
	}
	if t0%32 != 0 || t0 < 0 || t1 > p.N || f0 < 0 {
		panic("gemm: MulW range")
	}
	if k == 0 {
		for t := t0; t < t1; t++ {
			row := c[t*ldc+f0 : t*ldc+f1]
			if bias != nil {
				copy(row, bias[f0:f1])
			} else {
				clear(row)
			}
		}
		return
	}
	_ = w[(f1-1)*ldw+k-1]
	_ = c[(t1-1)*ldc+f1-1]
	if bias != nil {
		_ = bias[f1-1]
	}
	table, _ := tables()
	np := roundUp(p.N, 32)
	kc := p.kc
	// W's panels are read in place unless its row stride crowds the
	// panel's rows into few L1 sets; then each panel is copied with rows
	// 16 floats further apart than kc.
	copyW := badStride(ldw)
	ldwp := kc + 16
	nf := min(wNF, f1-f0)
	if copyW && len(cx.wp) < nf*ldwp {
		cx.wp = make([]float32, roundUp(nf, wMR)*ldwp)
	}
	// Cᵀ: nf rows (16 more, which the transposes read) of wTB tokens and
	// a 16-float margin.
	ldct := wTB + 16
	if need := (roundUp(nf, 16) + 16) * ldct; len(cx.ct) < need {
		cx.ct = make([]float32, need)
	}
	for tb := t0; tb < t1; tb += wTB {
		tbe := min(tb+wTB, t1)
		ns := (tbe - tb + 31) / 32
		for fb := f0; fb < f1; fb += wNF {
			fbe := min(fb+wNF, f1)
			for pc := 0; pc < k; pc += kc {
				kcb := min(kc, k-pc)
				acc := 0
				if pc > 0 {
					acc = 1
				}
				a, lda := w[fb*ldw+pc:], ldw
				if copyW {
					for r := fb; r < fbe; r++ {
						copy(cx.wp[(r-fb)*ldwp:(r-fb)*ldwp+kcb], w[r*ldw+pc:r*ldw+pc+kcb])
					}
					a, lda = cx.wp, ldwp
				}
				// The next block of W travels to L2 while this one is
				// multiplied, a panel's rows at a time through the strips.
				nfb, npc := fb, pc+kc
				if npc >= k {
					nfb, npc = fb+wNF, 0
				}
				nfe := min(nfb+wNF, f1)
				pfRows := (nfe - nfb + ns - 1) / ns
				for s := 0; s < ns; s++ {
					if pf := nfb + s*pfRows; pf < nfe {
						prefetchRows(&w[pf*ldw+npc], 4*ldw, min(pfRows, nfe-pf), 4*min(kc, k-npc))
					}
					// One strip of X stays in L1 while every panel of
					// the block (in L2) multiplies it.
					xs := &p.data[pc*np+32*(tb/32+s)*kcb]
					for f := fb; f < fbe; f += wMR {
						mr := min(wMR, fbe-f)
						table[mr](kcb, &a[(f-fb)*lda], lda, xs, &cx.ct[(f-fb)*ldct+s*32], ldct, ^uint32(0), acc)
					}
				}
			}
			var b *float32
			if bias != nil {
				b = &bias[fb]
			}
			transpose(c[tb*ldc+fb:], ldc, cx.ct, ldct, fbe-fb, tbe-tb, b)
		}
	}
}

// transpose sets dst[j·ldd + i] = src[i·lds + j] (+ bias[i] when bias is
// not nil) for i < rows, j < cols, reading src in whole 16×16 blocks (src
// must hold them).
func transpose(dst []float32, ldd int, src []float32, lds, rows, cols int, bias *float32) {
	_ = src[(roundUp(rows, 16)-1)*lds+roundUp(cols, 16)-1]
	_ = dst[(cols-1)*ldd+rows-1]
	var bs []float32
	if bias != nil {
		bs = unsafeSlice(bias, rows)
	}
	for i := 0; i < rows; i += 16 {
		lanes := ^uint32(0) >> 16
		if r := rows - i; r < 16 {
			lanes = 1<<r - 1
		}
		var b *float32
		if bs != nil {
			b = &bs[i]
		}
		for j := 0; j < cols; j += 16 {
			tr16x16(&dst[j*ldd+i], ldd, &src[i*lds+j], lds, lanes, min(16, cols-j), b)
		}
	}
}

// ToBF16 rounds src to bfloat16 (to nearest, ties to even) into dst as
// pairs: word i holds src[2i] in its low half and src[2i+1] (or 0 past the
// end) in its high half, as VDPBF16PS reads them. len(dst) must be
// BF16Words(len(src)).
func ToBF16(dst, src []float32) {
	n := len(src) &^ 31
	if n > 0 && hasDirect() && hasBF16() {
		cvtBF16(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i += 2 {
		lo := uint32(RoundBF16(src[i]))
		var hi uint32
		if i+1 < len(src) {
			hi = uint32(RoundBF16(src[i+1]))
		}
		dst[i/2] = math.Float32frombits(lo | hi<<16)
	}
}

// RoundBF16 rounds f to the nearest bfloat16 (ties to even), as
// VCVTNE2PS2BF16 does; a NaN stays a NaN.
func RoundBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// CrowdedStride reports whether rows lda floats apart crowd the direct-A
// kernels' rows into few L1 sets: MulTPacked then copies each block of A
// with a padded stride, which a caller can spare it by doing once
// (PaddedStride).
func CrowdedStride(lda int) bool { return badStride(lda) }

// PaddedStride is a row stride of at least k floats that does not crowd
// L1 sets.
func PaddedStride(k int) int { return k + 16 }
