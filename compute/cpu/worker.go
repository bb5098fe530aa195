package cpu

import (
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/blas"
	"github.com/siglip2-tui/siglip2-tui/compute/cpu/internal/gemm"
)

// worker is the per-goroutine state: its own BLAS argument block or Go
// packing buffers, and scratch space that grows to the largest problem
// seen and is then reused.
type worker struct {
	call   *blas.Call // nil without BLAS
	gemm   gemm.Context
	scores []float32 // attention scores of one block of queries
	inv    []float32 // 1/Σ of every score row
	qp     []float32 // a block of queries packed for gemm.AttnScores
	colSum [gemm.AttnBlock]float32
	tmp    []float32 // a strip of a weight rounded to bfloat16, while packing
	pp     []float32 // attention probabilities of pairs of keys, in bfloat16
}

// sgemm computes the row-major C = alpha·A·op(B) + beta·C on this goroutine
// (op(B) = Bᵀ, stored n×k, when transB).
func (w *worker) sgemm(transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if w.call != nil {
		w.call.Sgemm(false, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	w.gemm.Sgemm(transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// grow returns s with length n, reallocating only when it is too short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
