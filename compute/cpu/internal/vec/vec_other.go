//go:build !amd64 && !arm64

package vec

// detect finds no vector kernels on this architecture.
func detect() Level { return Generic }
