//go:build linux || darwin

package hub

import "golang.org/x/sys/unix"

// freeBytes is the space an unprivileged process may still write in dir's
// file system; ok is false if it cannot be told.
func freeBytes(dir string) (free int64, ok bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}
