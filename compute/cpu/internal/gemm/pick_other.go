//go:build !amd64 && !arm64

package gemm

func pick() kernel { return kernel{4, 4, kernelGo, nil, "Go 4×4"} }

func hasDirect() bool { return false }

// tables are the direct-A and transposed-A kernels: portable Go here.
func tables() (*[kdMR + 1]kdFunc, *[kdMR + 1]ktFunc) { return &kdGeneric, &ktGeneric }

// hasPackBT32 is false: the transposing pack is AVX-512 assembly.
const hasPackBT32 = false

func packBT32(dst, src *float32, ldb, k int) { panic("gemm: packBT32 needs AVX-512") }
