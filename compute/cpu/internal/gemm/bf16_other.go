//go:build !amd64

package gemm

// Without amd64 there are no direct kernels (hasDirect is false), so MulW
// and the bfloat16 conversion never reach these.

func hasBF16() bool { return false }

var kbTable [15]func(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)

func tr16x16(dst *float32, ldd int, src *float32, lds int, lanes uint32, rows int, bias *float32) {
	panic("gemm: no direct kernels")
}

func cvtBF16(dst *float32, src *float32, n int) { panic("gemm: no direct kernels") }

func prefetchRows(p *float32, ld, rows, n int) {}

func cvtScaledBF16(dst *float32, src *float32, n int, scale float32) {
	panic("gemm: no direct kernels")
}

var kcTable [15]func(k int, a *float32, aks int, b *float32, bks int, c *float32, ldc int, mask uint32, acc int)

func cvtPairs(dst *float32, a, b *float32, n int) { panic("gemm: no direct kernels") }
