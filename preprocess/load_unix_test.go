//go:build unix

package preprocess

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// TestLoadRefusesSpecialFiles: a FIFO given as the image used to block
// forever, /dev/zero behind a link to read 256 MiB of zeros before
// failing; both, and a folder, are refused at once, naming the path.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cat.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.png")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, zero, dir} {
		done := make(chan error, 1)
		go func() { _, err := Load(p, Limits{}); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, inputfile.ErrNotRegular) || !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %v, want ErrNotRegular naming the path", p, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: Load blocked", p)
		}
	}
}
