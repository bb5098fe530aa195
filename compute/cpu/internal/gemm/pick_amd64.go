package gemm

import "golang.org/x/sys/cpu"

func pick() kernel {
	switch {
	case Force == "go" || Force == "neon":
	case Force != "avx2" && cpu.X86.HasAVX512F:
		return kernel{12, 32, kern12x32, packBT32, "AVX-512 12×32"}
	case Force != "avx512" && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return kernel{6, 16, kern6x16, packBT16, "AVX2 6×16"}
	}
	return kernel{4, 4, kernelGo, nil, "Go 4×4"}
}

//go:noescape
func kern12x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kern6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// iota16 is 0..15, the gathers' row numbers.
var iota16 = [16]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

//go:noescape
func packBT32(dst, src *float32, ldb, k int)

//go:noescape
func packBT16(dst, src *float32, ldb, k int)

// hasPackBT32 reports whether packBT32 (AVX-512 gathers) runs on this CPU,
// whatever Force says.
var hasPackBT32 = cpu.X86.HasAVX512F

func hasDirect() bool {
	return Force != "avx2" && Force != "go" && Force != "neon" && cpu.X86.HasAVX512F
}

// tables are the direct-A and transposed-A kernels MulT and the attention
// products use: AVX-512 where HasDirect, else portable Go.
func tables() (*[kdMR + 1]kdFunc, *[kdMR + 1]ktFunc) {
	if hasDirect() {
		return &kdTable, &ktTable
	}
	return &kdGeneric, &ktGeneric
}
