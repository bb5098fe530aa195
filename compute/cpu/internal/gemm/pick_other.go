//go:build !amd64

package gemm

func pick() kernel { return kernel{4, 4, kernelGo, nil, "Go 4×4"} }
