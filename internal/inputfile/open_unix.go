//go:build unix

package inputfile

import (
	"errors"
	"os"
	"syscall"
)

// openNoBlock opens path read-only without blocking: O_NONBLOCK makes an
// open of a FIFO that replaced the file after the check return at once
// (the type check that follows refuses it); reads of regular files ignore
// the flag. O_NOCTTY keeps a terminal from becoming the controlling one.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

func isLoopErrno(err error) bool { return errors.Is(err, syscall.ELOOP) }
