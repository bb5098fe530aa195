package outfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// entries lists a folder's names, to spot temporary files left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteReplacesAtomically: a reader holding the old file keeps reading
// the old content; the path shows the new content.
func TestWriteReplacesAtomically(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(p, []byte("old"), 0o644)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write(p, writeString("new")); err != nil {
		t.Fatal(err)
	}
	old, _ := io.ReadAll(f)
	now, _ := os.ReadFile(p)
	if string(old) != "old" || string(now) != "new" {
		t.Errorf("open handle reads %q, path reads %q", old, now)
	}
}

// TestWriteFailureLeavesNothing: a failing or panicking write leaves the
// old file and no temporary file.
func TestWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	os.WriteFile(p, []byte("old"), 0o644)
	boom := errors.New("encoder failed")
	err := Write(p, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 200<<10)) // past the buffer: bytes reach the temporary file
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v, want the write's error naming the file", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		Write(p, func(w io.Writer) error {
			w.Write(bytes.Repeat([]byte("y"), 200<<10))
			panic("bug in an encoder")
		})
	}()
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the old file now holds %d bytes", len(b))
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v", names)
	}
}

func TestWriteOrStdout(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteOrStdout("-", &buf, writeString("to stdout")); err != nil || buf.String() != "to stdout" {
		t.Fatalf("%q, %v", buf.String(), err)
	}
	p := filepath.Join(t.TempDir(), "-")
	if err := WriteOrStdout(p, &buf, writeString("file")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "file" {
		t.Errorf("a file named - holds %q", b)
	}
	if err := Write("-", writeString("x")); err == nil || !strings.Contains(err.Error(), "standard output") {
		t.Errorf("Write(\"-\"): %v", err)
	}
	if err := Write("", writeString("x")); err == nil || !strings.Contains(err.Error(), "no output file") {
		t.Errorf("Write(\"\"): %v", err)
	}
}
