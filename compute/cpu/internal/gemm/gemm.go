// Package gemm is the pure-Go single-precision matrix multiply the CPU
// backend falls back to when no BLAS library is installed. It follows the
// Goto/BLIS scheme: op(B) is packed into KC×NR column strips and A into
// MR×KC row strips sized for the caches, and a register-blocked
// micro-kernel (AVX-512 12×32 or AVX2 6×16 assembly on amd64, NEON 8×12
// assembly on arm64, a 4×4 Go kernel elsewhere and under Force "go")
// multiplies one strip pair. A Context is single-threaded: the backend
// runs one per worker goroutine on disjoint parts of C.
package gemm

//go:generate go run gen_kernels.go
//go:generate go run gen_neon.go

import "math"

// Cache blocking: a KC×NR strip of B stays in L1 while the MC×KC block of A
// streams from L2.
const (
	kc = 256
	mc = 192 // a multiple of every MR
	nc = 3072
	// maxNR bounds every micro-kernel's NR.
	maxNR = 32
)

// kernel multiplies a packed MR×k strip of A by a packed k×NR strip of B
// and sets the MR×NR tile at c (row stride ldc elements) to
// alpha·A·B + beta·C; with beta = 0 it does not read C.
type kernel struct {
	mr, nr int
	fn     func(k int, a, b, c *float32, ldc int, alpha, beta float32)
	// packT, when not nil, packs one full strip of a k-contiguous B:
	// dst[p·NR + j] = src[j·ldb + p] for j < NR, p < k.
	packT func(dst, src *float32, ldb, k int)
	name  string
}

// Force, when set, caps the micro-kernel below the best the CPU supports:
// "avx512" or "avx2" on amd64, "neon" on arm64, "go" for the portable one
// (which is also what another architecture's name selects). Tests,
// benchmarks and the backend's SIMD option use it. It must not change
// while a product runs.
var Force string

// Context holds one goroutine's packing buffers. The zero value is ready.
type Context struct {
	ap, bp, tile []float32
	wp, ct       []float32 // MulW: a panel of W, Cᵀ tiles
}

// Name describes the micro-kernel in use, for status lines.
func Name() string { return pick().name }

// Sgemm computes the row-major C = alpha·A·op(B) + beta·C, where A is m×k
// (row stride lda), op(B) is k×n (B stored k×n with row stride ldb, or n×k
// when transB) and C is m×n (row stride ldc). With beta = 0, C is not read.
func (cx *Context) Sgemm(transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 || alpha == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	kern := pick()
	mr, nr := kern.mr, kern.nr
	cx.grow(mr, nr)
	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			packB(cx.bp, transB, b, ldb, pc, kcb, jc, ncb, nr, kern.packT)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += mc {
				mcb := min(mc, m-ic)
				packA(cx.ap, a, lda, ic, mcb, pc, kcb, mr)
				for jr := 0; jr < ncb; jr += nr {
					bs := cx.bp[jr*kcb:]
					nw := min(nr, ncb-jr)
					for ir := 0; ir < mcb; ir += mr {
						as := cx.ap[ir*kcb:]
						mh := min(mr, mcb-ir)
						off := (ic+ir)*ldc + jc + jr
						if mh == mr && nw == nr {
							_ = c[off+(mr-1)*ldc+nr-1] // the whole tile is inside c
							kern.fn(kcb, &as[0], &bs[0], &c[off], ldc, alpha, bet)
							continue
						}
						kern.fn(kcb, &as[0], &bs[0], &cx.tile[0], nr, 1, 0)
						for i := 0; i < mh; i++ {
							row := c[off+i*ldc : off+i*ldc+nw]
							t := cx.tile[i*nr : i*nr+nw]
							if bet == 0 {
								for j := range row {
									row[j] = alpha * t[j]
								}
							} else {
								for j := range row {
									row[j] = alpha*t[j] + bet*row[j]
								}
							}
						}
					}
				}
			}
		}
	}
}

func (cx *Context) grow(mr, nr int) {
	if len(cx.ap) < mc*kc {
		cx.ap = make([]float32, mc*kc)
	}
	if need := kc * ((nc + nr - 1) / nr * nr); len(cx.bp) < need {
		cx.bp = make([]float32, need)
	}
	if len(cx.tile) < mr*nr {
		cx.tile = make([]float32, mr*nr)
	}
}

// packA copies rows [i0, i0+m) and columns [p0, p0+k) of A into strips of
// mr rows, each stored column by column (mr values per k step), zero-padding
// the last strip.
func packA(dst, a []float32, lda, i0, m, p0, k, mr int) {
	for s := 0; s < m; s += mr {
		strip := dst[s*k : s*k+k*mr]
		h := min(mr, m-s)
		for ii := 0; ii < h; ii++ {
			row := a[(i0+s+ii)*lda+p0 : (i0+s+ii)*lda+p0+k]
			for p, v := range row {
				strip[p*mr+ii] = v
			}
		}
		for ii := h; ii < mr; ii++ {
			for p := 0; p < k; p++ {
				strip[p*mr+ii] = 0
			}
		}
	}
}

// packB copies rows [p0, p0+k) and columns [j0, j0+n) of op(B) into strips
// of nr columns, each stored row by row (nr values per k step),
// zero-padding the last strip.
func packB(dst []float32, transB bool, b []float32, ldb, p0, k, j0, n, nr int, packT func(dst, src *float32, ldb, k int)) {
	for s := 0; s < n; s += nr {
		strip := dst[s*k : s*k+k*nr]
		w := min(nr, n-s)
		if transB && w == nr && packT != nil && ldb <= math.MaxInt32/nr {
			_ = b[(j0+s+nr-1)*ldb+p0+k-1] // every gathered element is inside b
			packT(&strip[0], &b[(j0+s)*ldb+p0], ldb, k)
			continue
		}
		if transB {
			// Walk all w rows of B at once: w read streams keep the
			// memory system busy, and the writes are sequential.
			var rows [maxNR][]float32
			for jj := 0; jj < w; jj++ {
				rows[jj] = b[(j0+s+jj)*ldb+p0 : (j0+s+jj)*ldb+p0+k]
			}
			for p := 0; p < k; p++ {
				out := strip[p*nr : p*nr+nr]
				for jj := range out[:w] {
					out[jj] = rows[jj][p]
				}
				clear(out[w:])
			}
			continue
		}
		for p := 0; p < k; p++ {
			out := strip[p*nr : p*nr+nr]
			copy(out, b[(p0+p)*ldb+j0+s:(p0+p)*ldb+j0+s+w])
			clear(out[w:])
		}
	}
}

// kernelGo is the portable 4×4 micro-kernel.
func kernelGo(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	as := unsafeSlice(a, 4*k)
	bs := unsafeSlice(b, 4*k)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		av := as[4*p : 4*p+4 : 4*p+4]
		bv := bs[4*p : 4*p+4 : 4*p+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafeSlice(c, 3*ldc+4)
	acc := [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i := range acc {
		row := cs[i*ldc : i*ldc+4]
		for j := range row {
			if beta == 0 {
				row[j] = alpha * acc[i][j]
			} else {
				row[j] = alpha*acc[i][j] + beta*row[j]
			}
		}
	}
}
