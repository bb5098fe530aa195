package gemm

import "golang.org/x/sys/cpu"

// pick chooses the NEON 8×12 kernel (kernel_arm64.s): every arm64 CPU Go
// runs on has Advanced SIMD, but the feature bit is checked all the same.
// Force "go" selects the portable kernel, and so do the x86 names, which
// cap at a level this CPU has nothing of.
func pick() kernel {
	if (Force == "" || Force == "neon") && cpu.ARM64.HasASIMD {
		return kernel{8, 12, kern8x12, nil, "NEON 8×12"}
	}
	return kernel{4, 4, kernelGo, nil, "Go 4×4"}
}

// kern8x12 is the NEON micro-kernel (see kernel's fn).
//
//go:noescape
func kern8x12(k int, a, b, c *float32, ldc int, alpha, beta float32)

func hasDirect() bool { return false }

// tables are the direct-A and transposed-A kernels: portable Go here.
func tables() (*[kdMR + 1]kdFunc, *[kdMR + 1]ktFunc) { return &kdGeneric, &ktGeneric }

// hasPackBT32 is false: the transposing pack is AVX-512 assembly.
const hasPackBT32 = false

func packBT32(dst, src *float32, ldb, k int) { panic("gemm: packBT32 needs AVX-512") }
