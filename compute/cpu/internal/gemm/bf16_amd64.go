package gemm

import "golang.org/x/sys/cpu"

func hasBF16() bool { return cpu.X86.HasAVX512BF16 }
