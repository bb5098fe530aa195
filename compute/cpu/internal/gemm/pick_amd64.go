package gemm

import "golang.org/x/sys/cpu"

func pick() kernel {
	switch {
	case Force == "go":
	case Force != "avx2" && cpu.X86.HasAVX512F:
		return kernel{12, 32, kern12x32, "AVX-512 12×32"}
	case Force != "avx512" && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return kernel{6, 16, kern6x16, "AVX2 6×16"}
	}
	return kernel{4, 4, kernelGo, "Go 4×4"}
}

//go:noescape
func kern12x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kern6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)
