package tui

import "testing"

// The status line names the backend briefly, with its arithmetic when it
// is not float32.
func TestBackendLabel(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"cpu (pure-Go sgemm (AVX-512 direct kernels), AVX-512, 2 threads)", "cpu"},
		{"cpu (pure-Go sgemm (AVX-512 direct kernels), AVX-512, 2 threads, bf16)", "cpu bf16"},
		{"cpu (OpenBLAS 0.3.21 Haswell, AVX2+FMA, 2 threads)", "cpu"},
		{"cuda (NVIDIA H200, sm_90, cuBLAS 13.0, TF32)", "cuda TF32"},
		{"cuda (NVIDIA H200, sm_90, cuBLAS 13.0)", "cuda"},
		{"naive (pure Go, reference)", "naive"},
	} {
		if got := backendLabel(c.name); got != c.want {
			t.Errorf("backendLabel(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
