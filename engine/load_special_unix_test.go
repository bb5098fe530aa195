//go:build unix

package engine

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

// TestLoadRefusesSpecialFiles replaces one file of a copied reference
// folder by a FIFO (which used to block Load forever) or a link to
// /dev/zero (which used to fill memory), and a folder by a symlink loop
// (which used to say "no such file"). Each is refused within two seconds
// with an error naming the file.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o644) }
	zero := func(p string) error { return os.Symlink("/dev/zero", p) }
	for _, tc := range []struct {
		file string
		make func(string) error
		is   error
		want string
	}{
		{"config.json", fifo, inputfile.ErrNotRegular, "named pipe"},
		{"preprocessor_config.json", fifo, inputfile.ErrNotRegular, "named pipe"},
		{"preprocessor_config.json", zero, inputfile.ErrNotRegular, "character device"},
		{"tokenizer.json", fifo, inputfile.ErrNotRegular, "named pipe"},
		{"tokenizer.json", zero, inputfile.ErrNotRegular, "character device"},
		{"tokenizer.model", fifo, inputfile.ErrNotRegular, "named pipe"},
		{VocabularyFile, fifo, inputfile.ErrNotRegular, "named pipe"},
		{VocabularyFile, zero, inputfile.ErrNotRegular, "character device"},
		{"model.safetensors", fifo, inputfile.ErrNotRegular, "named pipe"},
		{"model.safetensors", zero, inputfile.ErrNotRegular, "character device"},
	} {
		t.Run(tc.file+" "+tc.want, func(t *testing.T) {
			dir := copyModel(t, "siglip2_fixed")
			p := filepath.Join(dir, tc.file)
			os.Remove(p)
			if err := tc.make(p); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				m, err := Load(dir, Options{Backend: cpuBackend})
				if err == nil {
					m.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %v naming %s as %s", err, tc.is, p, tc.want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Load blocked")
			}
		})
	}
}

// TestLoadSymlinkLoopTokenizer: a tokenizer.json that links to itself says so.
func TestLoadSymlinkLoopTokenizer(t *testing.T) {
	dir := copyModel(t, "siglip2_fixed")
	if err := os.Symlink("tokenizer.json", filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir, Options{Backend: cpuBackend})
	if !errors.Is(err, inputfile.ErrSymlinkLoop) || !strings.Contains(err.Error(), "tokenizer.json: symlink loop") {
		t.Fatalf("error %v, want one saying tokenizer.json is a symlink loop", err)
	}
}

// TestLoadSymlinkLoopFolder: a model folder that is a symlink loop says so.
func TestLoadSymlinkLoopFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := os.Symlink("model", dir); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir, Options{Backend: cpuBackend})
	if !errors.Is(err, inputfile.ErrSymlinkLoop) || !strings.Contains(err.Error(), "symlink loop") {
		t.Fatalf("error %v, want one saying symlink loop", err)
	}
}
