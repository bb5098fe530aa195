//go:build !(darwin || linux || freebsd || netbsd)

package blas

import (
	"errors"
	"fmt"
)

func open(name string) (*Library, error) {
	return nil, fmt.Errorf("load %s: %w", name, errors.ErrUnsupported)
}

func (l *Library) close() {}
