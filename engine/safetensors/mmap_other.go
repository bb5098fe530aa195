//go:build !unix

package safetensors

import "os"

// mapFile reads the whole file where memory mapping is unavailable.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	return readAll(f, size)
}
