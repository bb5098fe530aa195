//go:build !unix && !windows

package hub

import "os"

// tryLock reports that this platform has no file locks; downloads then go to
// private temporary files (see errLockUnsupported).
func tryLock(*os.File) (bool, error) { return false, errLockUnsupported }

func unlock(*os.File) {}
