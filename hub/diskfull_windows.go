//go:build windows

package hub

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isDiskFull reports a write that failed for lack of space.
func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL)
}
