//go:build linux

package cuda

import (
	"github.com/ebitengine/purego"
)

// ccall calls the C function at fn with integer and pointer arguments and
// returns its integer result register. Pointers converted to uintptr in the
// call expression stay valid for the call: uintptrescapes moves what they
// point to onto the (non-moving) heap and keeps it alive until ccall returns.
//
//go:uintptrescapes
func ccall(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}

// dlopen loads a shared library by path or, for a bare name, through the
// dynamic loader's search (LD_LIBRARY_PATH, ld.so.cache, system folders).
func dlopen(path string) (uintptr, error) {
	return purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
}

// dlsym returns the address of a symbol of a library loaded by dlopen.
func dlsym(lib uintptr, name string) (uintptr, error) {
	return purego.Dlsym(lib, name)
}

// dlclose unloads a library loaded by dlopen.
func dlclose(lib uintptr) { _ = purego.Dlclose(lib) }

// stringFunc turns a C function taking one int and returning a static
// const char* (nvrtcGetErrorString, cublasGetStatusName) into a Go function.
func stringFunc(fn uintptr) func(int32) string {
	var f func(int32) string
	purego.RegisterFunc(&f, fn)
	return f
}
