package blas

// candidates are the names tried, in order, by the automatic search:
// Accelerate (always present, uses the matrix units on Apple silicon), then
// Homebrew's OpenBLAS.
func candidates() []string {
	return []string{
		"/System/Library/Frameworks/Accelerate.framework/Accelerate",
		"/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
		"/usr/local/opt/openblas/lib/libopenblas.dylib",
		"libopenblas.dylib",
	}
}
