package gemm

//go:generate go run gen_wkernels.go

import "math"

// Products with the weight read where it lies: C = X·Wᵀ for PyTorch's
// row-major out×in Linear weight, as a checkpoint stores it (float32, read
// in place from the mapped file) or as a row-major bfloat16 copy. MulW
// computes Cᵀ = W·Xᵀ with the direct-A micro-kernels: 14 rows of W are
// broadcast from a small copy of the panel (in L1), X is packed once per
// product into strips of 32 tokens (XPack, in L2), and the Cᵀ tiles are
// transposed into C. No weight is ever packed or copied whole.
//
// In bfloat16, each k step of the kernels is a pair of values (one 32-bit
// word): W's rows are pairs already (k-contiguous), X's rows are rounded
// to bfloat16 pairs before packing, and VDPBF16PS sums the products of a
// pair into float32 accumulators.

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
// MulW: strips of 32 tokens, float32 or bfloat16 pairs.
type XPack struct {
	p    Packed
	bf16 bool
	k    int       // X's columns
	conv []float32 // bfloat16: X's rows as pairs (T × BF16Words(k) words)
}

// Reset sizes p for t tokens of k values, in bfloat16 when bf16; strips
// are then filled by PackStrips.
func (p *XPack) Reset(t, k int, bf16 bool) {
	p.bf16, p.k = bf16, k
	if bf16 {
		kw := BF16Words(k)
		if cap(p.conv) < t*kw {
			p.conv = make([]float32, t*kw)
		}
		p.conv = p.conv[:t*kw]
		p.p.Reset(t, kw)
		return
	}
	p.p.Reset(t, k)
}

// Strips is the number of 32-token strips.
func (p *XPack) Strips() int { return p.p.Strips() }

// Tokens is the number of tokens packed.
func (p *XPack) Tokens() int { return p.p.N }

// BF16 reports whether p holds bfloat16 pairs.
func (p *XPack) BF16() bool { return p.bf16 }

// PackStrips packs strips [s0, s1) (tokens 32·s0 up to 32·s1) of X (row
// stride ldx). Disjoint ranges may be packed concurrently.
func (p *XPack) PackStrips(x []float32, ldx, s0, s1 int) {
	if !p.bf16 {
		p.p.PackStrips(x, ldx, s0, s1)
		return
	}
	kw := BF16Words(p.k)
	for t := 32 * s0; t < min(32*s1, p.p.N); t++ {
		ToBF16(p.conv[t*kw:(t+1)*kw], x[t*ldx:t*ldx+p.k])
	}
	p.p.PackStrips(p.conv, kw, s0, s1)
}

// MulW sets C[t0:t1, f0:f1] = X[t0:t1]·W[f0:f1]ᵀ (+ bias[f0:f1] when
// bias is not nil) for X packed in xp (t0 a multiple of 32) and W read in
// place: row-major with row stride ldw, in float32, or for a bfloat16 xp
// in bfloat16 pairs (ldw in 32-bit words, each row BF16Words(k) words,
// see ToBF16). c holds C with row stride ldc. Only HasDirect CPUs run it
// (HasBF16 ones for bfloat16).
func (cx *Context) MulW(t0, t1, f0, f1 int, xp *XPack, w []float32, ldw int, bias, c []float32, ldc int) {
	p := &xp.p
	k := p.K // floats, or words in bfloat16
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
	table := &kdTable
	if xp.bf16 {
		table = &kbTable
	}
	np := roundUp(p.N, 32)
	kc := p.kc
	// W's panels are read in place unless its row stride crowds the
	// panel's rows into few L1 sets; then each panel is copied with rows
	// 16 floats further apart than kc.
	copyW := badStride(ldw)
	ldwp := kc + 16
	if copyW && len(cx.wp) < wMR*ldwp {
		cx.wp = make([]float32, wMR*ldwp)
	}
	nf := min(wNF, f1-f0)
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
				for f := fb; f < fbe; f += wMR {
					mr := min(wMR, fbe-f)
					// The next panel of W travels to L2 while this one is
					// multiplied.
					if nf := f + wMR; nf < fbe {
						prefetchRows(&w[nf*ldw+pc], 4*ldw, min(wMR, fbe-nf), 4*kcb)
					} else if pc+kc < k {
						prefetchRows(&w[fb*ldw+pc+kc], 4*ldw, min(wMR, fbe-fb), 4*min(kc, k-pc-kc))
					}
					a, lda := &w[f*ldw+pc], ldw
					if copyW {
						for r := 0; r < mr; r++ {
							copy(cx.wp[r*ldwp:r*ldwp+kcb], w[(f+r)*ldw+pc:(f+r)*ldw+pc+kcb])
						}
						a, lda = &cx.wp[0], ldwp
					}
					ct := cx.ct[(f-fb)*ldct:]
					for s := 0; s < ns; s++ {
						xs := &p.data[pc*np+32*(tb/32+s)*kcb]
						table[mr](kcb, a, lda, xs, &ct[s*32], ldct, ^uint32(0), acc)
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
