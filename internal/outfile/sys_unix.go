//go:build unix

package outfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// keepOwner gives the new file the old one's owner and group where the
// process may (root); otherwise the new file is the writer's, as any new
// file is.
func keepOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}

// writable reports whether the process may write to path (root may write
// to anything).
func writable(path string) bool { return unix.Access(path, unix.W_OK) == nil }

func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

// syncDir makes a rename in dir durable; failures are ignored (some file
// systems cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
