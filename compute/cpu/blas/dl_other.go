//go:build !(darwin || linux || ((freebsd || netbsd) && cgo))

package blas

import (
	"errors"
	"fmt"
)

func open(name, iface string) (*Library, error) {
	return nil, fmt.Errorf("load %s: %w", name, errors.ErrUnsupported)
}

func (l *Library) close() {}

// syscall is never reached: open fails, so no Library exists here.
func syscall(uintptr, ...uintptr) uintptr { panic("blas: no library loader on this platform") }
