package safetensors

import (
	"fmt"
	"io"
	"os"
)

// readAll loads the file into memory, the fallback when mapping fails.
func readAll(f *os.File, size int64) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	return data, func() error { return nil }, nil
}
