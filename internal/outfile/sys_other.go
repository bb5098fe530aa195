//go:build !unix

package outfile

import (
	"io/fs"
	"os"
)

func keepOwner(*os.File, fs.FileInfo) {}

// writable reports whether the file's permission bits allow writing.
func writable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o200 != 0
}

func isLoop(error) bool { return false }

func syncDir(string) {}
