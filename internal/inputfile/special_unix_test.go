//go:build unix

package inputfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withDeadline runs fn and fails the test if it has not returned within
// two seconds: opening a FIFO the wrong way blocks forever.
func withDeadline(t *testing.T, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		t.Fatal("blocked for 2 s")
		return nil
	}
}

// TestSpecialFilesRefused makes a FIFO, a character device (mknod, as
// root), a socket and a symlink to /dev/zero in a temporary folder and
// checks that Open and ReadFile refuse each at once, naming the file and
// its type.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "tokenizer.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "preprocessor_config.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type special struct{ path, kind string }
	cases := []special{
		{fifo, "named pipe (FIFO)"},
		{zero, "character device"},
		{sock, "socket"},
	}
	dev := filepath.Join(dir, "null")
	// Major 1, minor 3 is /dev/null on Linux; any character device will do.
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		cases = append(cases, special{dev, "character device"})
	} else {
		t.Logf("mknod not permitted (%v): the device node case runs as root only", err)
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			for name, fn := range map[string]func() error{
				"ReadFile":     func() error { _, err := ReadFile(c.path, 1<<20); return err },
				"Open":         func() error { f, err := Open(c.path); closeIf(f); return err },
				"CheckRegular": func() error { return CheckRegular(c.path) },
			} {
				err := withDeadline(t, fn)
				if !errors.Is(err, ErrNotRegular) {
					t.Fatalf("%s: error %v, want ErrNotRegular", name, err)
				}
				if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.kind) {
					t.Errorf("%s: error %q does not name %s and %q", name, err, c.path, c.kind)
				}
			}
		})
	}
}

// TestOpenRechecksTheOpenedFile checks the second line of defence: a
// FIFO opened by openNoBlock returns at once (no writer needed), so the
// type check on the opened file can refuse it.
func TestOpenRechecksTheOpenedFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	err := withDeadline(t, func() error {
		f, err := openNoBlock(fifo)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if st.Mode().IsRegular() {
			t.Error("a FIFO reported as a regular file")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func closeIf(f *os.File) {
	if f != nil {
		f.Close()
	}
}
