//go:build darwin || linux || ((freebsd || netbsd) && cgo)

package blas

import (
	"fmt"
	"strings"

	"github.com/ebitengine/purego"
)

// Loading needs purego, which without cgo supports Linux and macOS; on the
// BSDs it needs cgo (its fake-cgo runtime does not build there).

func open(name, iface string) (*Library, error) {
	h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	lib := &Library{Path: name, handle: h, Vendor: "BLAS"}
	sym := func(s string) uintptr {
		p, err := purego.Dlsym(h, s)
		if err != nil {
			return 0
		}
		return p
	}
	// sgemm_ unless cblas is asked for or sgemm_ is missing.
	fortran, cblas := sym("sgemm_"), sym("cblas_sgemm")
	switch {
	case iface != "cblas" && fortran != 0:
		lib.sgemm, lib.Interface = fortran, "sgemm_"
	case iface != "fortran" && cblas != 0:
		purego.RegisterFunc(&lib.cblas, cblas)
		lib.Interface = "cblas_sgemm"
	default:
		_ = purego.Dlclose(h)
		want := map[string]string{"": "sgemm_ or cblas_sgemm", "fortran": "sgemm_", "cblas": "cblas_sgemm"}[iface]
		return nil, fmt.Errorf("load %s: no %s", name, want)
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
