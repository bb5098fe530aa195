package gemm

// Blocking of the direct-A path (MulT), variables so the tuning benchmarks
// can compare values: a kdKC×32 strip of packed B stays in L1 while MR-row
// strips of A are read in place; kdMC rows of A and kdNC columns of B
// (packed) stay in L2.
var (
	kdKC = 256
	kdMC = 196
	kdNC = 512
)

// kdMR is the row count of the widest direct-A micro-kernel.
const kdMR = 14

// HasDirect reports whether MulT runs on its AVX-512 kernels here; it
// runs everywhere, on portable Go kernels elsewhere, but the backend
// chooses it only where this is true.
func HasDirect() bool { return hasDirect() }

// MulT computes the row-major C = A·Bᵀ (acc false) or C += A·Bᵀ (acc true)
// for A m×k (row stride lda), B n×k (row stride ldb: PyTorch's Linear
// weight layout) and C m×n (row stride ldc).
//
// A is read in place by the micro-kernels (its rows are broadcast
// directly), unless its row stride maps many rows onto one L1 cache set;
// then blocks of it are copied with a padded stride first. B is packed into
// 32-column strips.
func (cx *Context) MulT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	if degenerate(m, n, k, c, ldc, acc) {
		return
	}
	_ = a[(m-1)*lda+k-1]
	_ = b[(n-1)*ldb+k-1]
	_ = c[(m-1)*ldc+n-1]
	kc, nc := kdKC, kdNC
	if need := k * roundUp(min(nc, n), 32); len(cx.bp) < need {
		cx.bp = make([]float32, need)
	}
	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		np := roundUp(ncb, 32)
		for pc := 0; pc < k; pc += kc {
			packBT(cx.bp[pc*np:], b[jc*ldb+pc:], ldb, min(kc, k-pc), ncb)
		}
		cx.block(m, ncb, k, kc, a, lda, cx.bp, np, 0, c[jc:], ldc, acc)
	}
}

// Packed is a matrix B (n×k, k-contiguous rows) packed once into the
// layout MulTPacked reads: for every kc-row block of Bᵀ, 32-column strips.
type Packed struct {
	N, K, kc int
	data     []float32
}

// Reset sizes p for an n×k matrix, reusing its memory when it is large
// enough; PackStrips then fills it.
func (p *Packed) Reset(n, k int) {
	size := roundUp(n, 32) * k
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.N, p.K, p.kc, p.data = n, k, kdKC, p.data[:size]
}

// Data is p's memory: the packed strips, ⌈N/32⌉·32·K floats.
func (p *Packed) Data() []float32 { return p.data }

// Strips is the number of 32-column strips, the unit of PackStrips.
func (p *Packed) Strips() int { return (p.N + 31) / 32 }

// PackStrips packs strips [s0, s1) (columns 32·s0 up to 32·s1) of B
// (p.N×p.K, row stride ldb). Disjoint ranges may be packed concurrently.
func (p *Packed) PackStrips(b []float32, ldb, s0, s1 int) {
	np := roundUp(p.N, 32)
	n := min(32*s1, p.N) - 32*s0
	if n <= 0 {
		return
	}
	for pc := 0; pc < p.K; pc += p.kc {
		kcb := min(p.kc, p.K-pc)
		packBT(p.data[pc*np+32*s0*kcb:], b[32*s0*ldb+pc:], ldb, kcb, n)
	}
}

// Pack packs all of B (n×k, row stride ldb) for MulTPacked.
func (p *Packed) Pack(n, k int, b []float32, ldb int) {
	p.Reset(n, k)
	p.PackStrips(b, ldb, 0, p.Strips())
}

// Bytes is the memory the packed copy holds.
func (p *Packed) Bytes() int { return 4 * cap(p.data) }

// MulTPacked computes columns [n0, n1) of C = A·Bᵀ (or C += A·Bᵀ) like
// MulT with B packed by p; c points at column n0 of row 0, and n0 must be a
// multiple of 32.
func (cx *Context) MulTPacked(m, n0, n1 int, a []float32, lda int, p *Packed, c []float32, ldc int, acc bool) {
	if n0%32 != 0 || n0 < 0 || n1 > p.N {
		panic("gemm: MulTPacked column range")
	}
	n, k := n1-n0, p.K
	if degenerate(m, n, k, c, ldc, acc) {
		return
	}
	_ = a[(m-1)*lda+k-1]
	_ = c[(m-1)*ldc+n-1]
	np := roundUp(p.N, 32)
	for jc := 0; jc < n; jc += kdNC {
		ncb := min(kdNC, n-jc)
		cx.block(m, ncb, k, p.kc, a, lda, p.data, np, n0+jc, c[jc:], ldc, acc)
	}
}

// block computes the m×n block C (=|+=) A·B where B is packed in kc-row
// blocks of 32-column strips (strip s of block pc at bp[pc·np + s·32·kcb],
// the first used column being col0), for blocks of kdMC rows at a time so
// that C stays in L2 across the k blocks.
func (cx *Context) block(m, n, k, kc int, a []float32, lda int, bp []float32, np, col0 int, c []float32, ldc int, acc bool) {
	for ic := 0; ic < m; ic += kdMC {
		mcb := min(kdMC, m-ic)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			cx.panel(mcb, n, kcb, a[ic*lda+pc:], lda, bp[pc*np+col0*kcb:], c[ic*ldc:], ldc, acc || pc > 0)
		}
	}
}

// panel computes the m×n block C (=|+=) A·B for A m×k in place (row
// stride lda) and B packed in k×32 strips.
func (cx *Context) panel(m, n, k int, a []float32, lda int, bp []float32, c []float32, ldc int, acc bool) {
	add := 0
	if acc {
		add = 1
	}
	mc := kdMC
	kd, _ := tables()
	copyA := forceCopy || badStride(lda)
	astride := k + 16
	if copyA && len(cx.ap) < mc*astride {
		cx.ap = make([]float32, mc*astride)
	}
	for ic := 0; ic < m; ic += mc {
		mcb := min(mc, m-ic)
		ab, ld := a[ic*lda:], lda
		if copyA {
			for i := 0; i < mcb; i++ {
				copy(cx.ap[i*astride:i*astride+k], ab[i*lda:i*lda+k])
			}
			ab, ld = cx.ap, astride
		}
		for jr := 0; jr < n; jr += 32 {
			bs := &bp[jr*k]
			mask := ^uint32(0)
			if w := n - jr; w < 32 {
				mask = 1<<w - 1
			}
			for ir := 0; ir < mcb; ir += kdMR {
				mr := min(kdMR, mcb-ir)
				kd[mr](k, &ab[ir*ld], ld, bs, &c[(ic+ir)*ldc+jr], ldc, mask, add)
			}
		}
	}
}

// packBT packs columns [0, n) of the k-contiguous B (n rows of k used
// values, row stride ldb) into 32-column strips of k rows, zero-padding the
// last strip.
func packBT(dst, b []float32, ldb, k, n int) {
	for s := 0; s < n; s += 32 {
		strip := dst[s*k : s*k+k*32]
		w := min(32, n-s)
		if w == 32 && hasPackBT32 && ldb <= 1<<31/32 {
			_ = b[(s+31)*ldb+k-1]
			packBT32(&strip[0], &b[s*ldb], ldb, k)
			continue
		}
		var rows [32][]float32
		for jj := 0; jj < w; jj++ {
			rows[jj] = b[(s+jj)*ldb : (s+jj)*ldb+k]
		}
		for p := 0; p < k; p++ {
			out := strip[p*32 : p*32+32]
			for jj := range out[:w] {
				out[jj] = rows[jj][p]
			}
			clear(out[w:])
		}
	}
}

// badStride reports whether kdMR rows lda floats apart crowd into few L1
// sets (64 sets of 64-byte lines): more than 4 rows on one set evicts the
// packed B strip.
func badStride(lda int) bool {
	var count [64]int
	for r := 0; r < kdMR; r++ {
		s := (r * lda * 4 / 64) % 64
		count[s]++
		if count[s] > 4 {
			return true
		}
	}
	return false
}

func roundUp(v, to int) int { return (v + to - 1) / to * to }

var forceCopy bool

// DirectName describes MulT's micro-kernel, for status lines.
func DirectName() string {
	if hasDirect() {
		return "AVX-512 14×32 direct, packed weights"
	}
	return "Go 14×32 direct, packed weights"
}

// degenerate handles the products with nothing to multiply: an empty C,
// or k = 0 (C = 0, or unchanged when accumulating). It reports whether
// there was nothing else to do.
func degenerate(m, n, k int, c []float32, ldc int, acc bool) bool {
	if m <= 0 || n <= 0 {
		return true
	}
	if k > 0 {
		return false
	}
	if !acc {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	return true
}
