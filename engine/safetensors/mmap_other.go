//go:build !unix

package safetensors

import "os"

// mapFile reads the whole file where memory mapping is unavailable.
func mapFile(f *os.File, size int64) (data []byte, unmap func() error, mapped bool, err error) {
	data, unmap, err = readAll(f, size)
	return data, unmap, false, err
}

// dropPages is a no-op where files are read into memory.
func dropPages(data []byte, off, n int64) {}

func adviseRandom(data []byte, off, n int64) {}
