//go:build !amd64

package gemm

func pick() kernel { return kernel{4, 4, kernelGo, nil, "Go 4×4"} }

func hasDirect() bool { return false }

var kdTable [15]func(k int, a *float32, lda int, b, c *float32, ldc int, mask uint32, acc int)

func packBT32(dst, src *float32, ldb, k int) { panic("gemm: no direct kernels") }
