//go:build unix

package hub

import (
	"errors"

	"golang.org/x/sys/unix"
)

// isDiskFull reports a write that failed for lack of space or quota.
func isDiskFull(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT)
}
