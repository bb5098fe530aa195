package gemm

import "math"

// Products in bfloat16 with the weight packed once: the layout of
// MulTPacked, each k step a 32-bit word holding a pair of bfloat16 values
// (so a Packed of BF16Words(k) "columns"), A's rows rounded to bfloat16
// pairs before the product (RowsBF16), and VDPBF16PS summing the products
// of each pair into float32 accumulators (kbTable).

// PackBF16Strips packs strips [s0, s1) (columns 32·s0 up to 32·s1) of the
// float32 matrix B (p.N rows of k values, row stride ldb) rounded to
// bfloat16, p having been sized by p.Reset(n, BF16Words(k)). tmp is
// scratch of at least 32·BF16Words(k) floats. Disjoint ranges may be
// packed concurrently (with their own tmp).
func (p *Packed) PackBF16Strips(b []float32, ldb, k, s0, s1 int, tmp []float32) {
	kw := p.K
	if BF16Words(k) != kw {
		panic("gemm: PackBF16Strips: the Packed was not sized for bfloat16 pairs")
	}
	np := roundUp(p.N, 32)
	for s := s0; s < s1; s++ {
		n := min(32, p.N-32*s)
		if n <= 0 {
			return
		}
		for r := 0; r < n; r++ {
			row := 32*s + r
			ToBF16(tmp[r*kw:(r+1)*kw], b[row*ldb:row*ldb+k])
		}
		for pc := 0; pc < kw; pc += p.kc {
			kcb := min(p.kc, kw-pc)
			packBT(p.data[pc*np+32*s*kcb:], tmp[pc:], kw, kcb, n)
		}
	}
}

// RowsBF16 rounds rows [r0, r1) of the float32 matrix a (k values per row,
// row stride lda) to bfloat16 pairs into dst (BF16Words(k) words per row),
// the A operand of MulTPackedBF16.
func RowsBF16(dst, a []float32, lda, k, r0, r1 int) {
	kw := BF16Words(k)
	for r := r0; r < r1; r++ {
		ToBF16(dst[r*kw:(r+1)*kw], a[r*lda:r*lda+k])
	}
}

// MulTPackedBF16 computes columns [n0, n1) of C = A·Bᵀ (C overwritten) in
// bfloat16: A's m rows as bfloat16 pairs (RowsBF16, row stride lda words),
// B packed by PackBF16Strips. c points at column n0 of row 0, and n0 must
// be a multiple of 32. Only HasBF16 CPUs run it.
func (cx *Context) MulTPackedBF16(m, n0, n1 int, a []float32, lda int, p *Packed, c []float32, ldc int) {
	if n0%32 != 0 || n0 < 0 || n1 > p.N {
		panic("gemm: MulTPackedBF16 column range")
	}
	n, k := n1-n0, p.K
	if degenerate(m, n, k, c, ldc, false) {
		return
	}
	_ = a[(m-1)*lda+k-1]
	_ = c[(m-1)*ldc+n-1]
	np := roundUp(p.N, 32)
	for jc := 0; jc < n; jc += kdNC {
		ncb := min(kdNC, n-jc)
		col0 := n0 + jc
		for ic := 0; ic < m; ic += kdMC {
			mcb := min(kdMC, m-ic)
			for pc := 0; pc < k; pc += p.kc {
				kcb := min(p.kc, k-pc)
				cx.panelBF16(mcb, ncb, kcb, a[ic*lda+pc:], lda, p.data[pc*np+col0*kcb:], c[ic*ldc+jc:], ldc, pc > 0)
			}
		}
	}
}

// panelBF16 is panel with the bfloat16 kernels: C[m×n] (=|+=) A·B for A's
// rows of k pairs in place (row stride lda words) and B packed in k×32
// strips of pairs.
func (cx *Context) panelBF16(m, n, k int, a []float32, lda int, bp []float32, c []float32, ldc int, acc bool) {
	add := 0
	if acc {
		add = 1
	}
	copyA := badStride(lda)
	astride := k + 16
	if copyA && len(cx.ap) < m*astride {
		cx.ap = make([]float32, max(m, kdMC)*astride)
	}
	ab, ld := a, lda
	if copyA {
		for i := 0; i < m; i++ {
			copy(cx.ap[i*astride:i*astride+k], a[i*lda:i*lda+k])
		}
		ab, ld = cx.ap, astride
	}
	for jr := 0; jr < n; jr += 32 {
		bs := &bp[jr*k]
		mask := ^uint32(0)
		if w := n - jr; w < 32 {
			mask = 1<<w - 1
		}
		for ir := 0; ir < m; ir += kdMR {
			mr := min(kdMR, m-ir)
			kbTable[mr](k, &ab[ir*ld], ld, bs, &c[ir*ldc+jr], ldc, mask, add)
		}
	}
}

// View makes p describe packed strips that already exist: data as Data
// returned it for an n×k matrix (float32, or bfloat16 pairs with k =
// BF16Words of the columns) packed by a Packed of the same shape.
func (p *Packed) View(data []float32, n, k int) {
	if len(data) < roundUp(n, 32)*k {
		panic("gemm: Packed.View: too little data")
	}
	p.N, p.K, p.kc, p.data = n, k, kdKC, data
}

// PackQBF16 is PackQ in bfloat16: qp (BF16Words(hd)×32 words) receives
// the n ≤ 32 query rows q (hd values each, row stride ldq) scaled and
// rounded to bfloat16 pairs, query j in column j, columns past n zero.
// tmp is scratch of at least 32·BF16Words(hd) floats.
func PackQBF16(qp, q []float32, ldq, hd, n int, scale float32, tmp []float32) {
	kw := BF16Words(hd)
	_ = qp[kw*32-1]
	_ = q[(n-1)*ldq+hd-1]
	whole := hd &^ 31
	for r := 0; r < n; r++ {
		src, dst := q[r*ldq:r*ldq+hd], tmp[r*kw:(r+1)*kw]
		if whole > 0 {
			cvtScaledBF16(&dst[0], &src[0], whole, scale)
		}
		for i := whole; i < hd; i += 2 {
			lo := uint32(RoundBF16(src[i] * scale))
			var hi uint32
			if i+1 < hd {
				hi = uint32(RoundBF16(src[i+1] * scale))
			}
			dst[i/2] = math.Float32frombits(lo | hi<<16)
		}
	}
	packBT(qp, tmp, kw, kw, n)
}

// AttnScoresBF16 is AttnScores in bfloat16: k holds the keys' rows as
// bfloat16 pairs (BF16Words(hd) words each, row stride ldk words), qp comes
// from PackQBF16.
func AttnScoresBF16(valid, hd int, k []float32, ldk int, qp, s []float32) {
	kw := BF16Words(hd)
	_ = k[(valid-1)*ldk+kw-1]
	_ = qp[kw*32-1]
	_ = s[valid*32-1]
	for i := 0; i < valid; i += kdMR {
		mr := min(kdMR, valid-i)
		kbTable[mr](kw, &k[i*ldk], ldk, &qp[0], &s[i*32], 32, ^uint32(0), 0)
	}
}

// PairsBF16 rounds a and b (the same length) to bfloat16 and interleaves
// them into dst (len(a) words): word i holds a[i] in its low half and b[i]
// in its high half. A nil b stands for zeros.
func PairsBF16(dst, a, b []float32) {
	n := len(a)
	_ = dst[n-1]
	whole := 0
	if b != nil && hasDirect() && hasBF16() {
		_ = b[n-1]
		whole = n &^ 15
		if whole > 0 {
			cvtPairs(&dst[0], &a[0], &b[0], whole)
		}
	}
	for i := whole; i < n; i++ {
		var hi uint32
		if b != nil {
			hi = uint32(RoundBF16(b[i]))
		}
		dst[i] = math.Float32frombits(uint32(RoundBF16(a[i])) | hi<<16)
	}
}

// AttnValuesBF16 is AttnValues in bfloat16, over pairs of keys: pp holds
// the probabilities of keys 2j and 2j+1 for query q as word j·32 + q
// (PairsBF16 of two rows of the scores), vb holds the values of keys 2j
// and 2j+1 interleaved, one row of words per pair (row stride ldv words;
// the head's hd columns from the start of vb).
func AttnValuesBF16(n, pairs, hd int, pp, vb []float32, ldv int, out []float32, ldo int) {
	_ = pp[pairs*32-1]
	_ = vb[(pairs-1)*ldv+hd-1]
	_ = out[(n-1)*ldo+hd-1]
	for d := 0; d < hd; d += 32 {
		mask := ^uint32(0)
		if w := hd - d; w < 32 {
			mask = 1<<w - 1
		}
		for i := 0; i < n; i += kdMR {
			mr := min(kdMR, n-i)
			kcTable[mr](pairs, &pp[i], 32, &vb[d], ldv, &out[i*ldo+d], ldo, mask, 0)
		}
	}
}
