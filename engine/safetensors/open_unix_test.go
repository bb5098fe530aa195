//go:build unix

package safetensors

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// TestOpenRefusesFIFO: a FIFO named model.safetensors used to block Open
// forever (waiting for a writer); it is refused at once.
func TestOpenRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.safetensors")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Open(p); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, inputfile.ErrNotRegular) {
			t.Fatalf("error %v, want ErrNotRegular", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Open blocked on a FIFO")
	}
}
