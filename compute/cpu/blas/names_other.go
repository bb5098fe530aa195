//go:build !linux && !darwin

package blas

// candidates are the names tried, in order, by the automatic search.
func candidates() []string {
	return []string{"libopenblas.so.0", "libopenblas.so", "libblas.so.3"}
}
