//go:build !unix

package inputfile

import "os"

// openNoBlock opens path read-only; systems without FIFOs in the file
// system need nothing more.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }

func isLoopErrno(error) bool { return false }
