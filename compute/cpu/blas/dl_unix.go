//go:build darwin || linux || ((freebsd || netbsd) && cgo)

package blas

import (
	"fmt"
	"strings"

	"github.com/ebitengine/purego"
)

// Loading needs purego, which without cgo supports Linux and macOS; on the
// BSDs it needs cgo (its fake-cgo runtime does not build there).

func open(name string) (*Library, error) {
	h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	lib := &Library{Path: name, handle: h, Vendor: "BLAS"}
	lib.sgemm, err = purego.Dlsym(h, "sgemm_")
	if err != nil {
		_ = purego.Dlclose(h)
		return nil, fmt.Errorf("load %s: no sgemm_: %w", name, err)
	}
	sym := func(s string) uintptr {
		p, err := purego.Dlsym(h, s)
		if err != nil {
			return 0
		}
		return p
	}
	lib.coreName = sym("openblas_get_corename")
	lib.config = sym("openblas_get_config")
	lib.setThreads = sym("openblas_set_num_threads")
	lib.getThreads = sym("openblas_get_num_threads")
	switch {
	case lib.config != 0:
		lib.Vendor = "OpenBLAS"
	case strings.Contains(name, "Accelerate") || strings.Contains(name, "vecLib"):
		lib.Vendor = "Accelerate"
	}
	return lib, nil
}

func (l *Library) close() { _ = purego.Dlclose(l.handle) }

// syscall calls the C function fn with integer or pointer arguments. The
// pointed-to memory must be on the heap (see Call).
func syscall(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}
