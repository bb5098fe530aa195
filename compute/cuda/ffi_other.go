//go:build !linux

package cuda

import "errors"

// errNotLinux is why the cuda backend is unavailable off Linux.
var errNotLinux = errors.New("the cuda backend runs on Linux only")

// ccall is never reached off Linux: no library ever loads.
func ccall(fn uintptr, args ...uintptr) uintptr { panic(errNotLinux) }

func dlopen(path string) (uintptr, error) { return 0, errNotLinux }

func dlsym(lib uintptr, name string) (uintptr, error) { return 0, errNotLinux }

func dlclose(lib uintptr) {}

func stringFunc(fn uintptr) func(int32) string { return func(int32) string { return "" } }
