package gemm

import "math/bits"

// The portable direct-A and transposed-A micro-kernels: the contracts of
// the AVX-512 kd and kt kernels (see gen_kernels.go) in plain Go. They let
// MulT and the attention products run on every CPU, so their tests check
// those drivers everywhere; the backend itself chooses MulT only where the
// AVX-512 kernels run (HasDirect), the packed Sgemm being faster elsewhere.

// kdFunc is a direct-A micro-kernel: C[rows×32] (=|+=) A·B for A read in
// place (row stride lda) and B a packed k×32 strip, writing the columns
// whose bit is set in mask; acc ≠ 0 adds to C.
type kdFunc func(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)

// ktFunc is a transposed-A micro-kernel: element (r, p) of A is a[p·aks+r]
// and row p of B is the 32 floats at b + p·bks, of which only the masked
// columns are read; mask and acc as for kdFunc.
type ktFunc func(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)

// kdGeneric and ktGeneric are indexed by row count, 1 to kdMR.
var kdGeneric, ktGeneric = genericTables()

func genericTables() (kd [kdMR + 1]kdFunc, kt [kdMR + 1]ktFunc) {
	for r := 1; r <= kdMR; r++ {
		// Rows of B and C are viewed only up to the last masked column:
		// the matrices may end there.
		kd[r] = func(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int) {
			n := 32 - bits.LeadingZeros32(mask)
			kdGo(r, k, n, unsafeSlice(a, (r-1)*lda+k), lda, unsafeSlice(b, 32*k), unsafeSlice(c, (r-1)*ldc+n), ldc, mask, acc)
		}
		kt[r] = func(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int) {
			n := 32 - bits.LeadingZeros32(mask)
			ktGo(r, k, n, unsafeSlice(a, (k-1)*aks+r), aks, unsafeSlice(b, (k-1)*bks+n), bks, unsafeSlice(c, (r-1)*ldc+n), ldc, mask, acc)
		}
	}
	return kd, kt
}

// kdGo is the direct-A kernel of rows rows, for the first n columns.
func kdGo(rows, k, n int, a []float32, lda int, b, c []float32, ldc int, mask uint32, acc int) {
	for i := 0; i < rows; i++ {
		var s [32]float32
		for p, av := range a[i*lda : i*lda+k] {
			for j, bv := range b[p*32 : p*32+n] {
				s[j] += av * bv
			}
		}
		store(c[i*ldc:i*ldc+n], &s, mask, acc)
	}
}

// ktGo is the transposed-A kernel of rows rows, for the first n columns.
func ktGo(rows, k, n int, a []float32, aks int, b []float32, bks int, c []float32, ldc int, mask uint32, acc int) {
	for i := 0; i < rows; i++ {
		var s [32]float32
		for p := 0; p < k; p++ {
			av := a[p*aks+i]
			for j, bv := range b[p*bks : p*bks+n] {
				s[j] += av * bv
			}
		}
		store(c[i*ldc:i*ldc+n], &s, mask, acc)
	}
}

// store writes the masked columns of one row of results to c (as long as
// the last of them), adding to what is there when acc ≠ 0.
func store(c []float32, s *[32]float32, mask uint32, acc int) {
	for j := range c {
		if mask&(1<<j) == 0 {
			continue
		}
		if acc != 0 {
			c[j] += s[j]
		} else {
			c[j] = s[j]
		}
	}
}
