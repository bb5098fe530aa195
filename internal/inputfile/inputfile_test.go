package inputfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	want := strings.Repeat("x", 5000)
	if err := os.WriteFile(p, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("config.json", link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		limit int64
	}{
		{"exact limit", p, 5000},
		{"no limit", p, 0},
		{"through a symlink", link, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadFile(tc.path, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("read %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, 4097), 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.Symlink("b", a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a", b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		path    string
		limit   int64
		is      error
		mention []string
	}{
		{"over the limit", big, 4096, ErrTooLarge, []string{big, "4 KiB", "4.0 KiB"}},
		{"directory", dir, 0, ErrNotRegular, []string{dir, "a directory"}},
		{"missing", filepath.Join(dir, "nope.json"), 0, fs.ErrNotExist, []string{"nope.json", "no such file"}},
		{"self loop", loop, 0, ErrSymlinkLoop, []string{loop, "symlink loop"}},
		{"two-link loop", filepath.Join(a, "config.json"), 0, ErrSymlinkLoop, []string{"symlink loop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(tc.path, tc.limit)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	loop := filepath.Join(dir, "model")
	os.Symlink("model", loop)
	for _, tc := range []struct {
		name    string
		path    string
		is      error
		mention string
	}{
		{"folder", dir, nil, ""},
		{"file", file, ErrNotRegular, "not a folder"},
		{"loop", loop, ErrSymlinkLoop, "symlink loop"},
		{"missing", filepath.Join(dir, "x"), fs.ErrNotExist, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDir(tc.path)
			if tc.is == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.is, tc.mention)
			}
			if tc.is == ErrSymlinkLoop && !IsSymlinkLoop(err) {
				t.Error("IsSymlinkLoop is false")
			}
		})
	}
	if _, err := os.Stat(loop); !IsSymlinkLoop(err) {
		t.Errorf("IsSymlinkLoop(%v) = false for a plain os.Stat error", err)
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{100, "100 bytes"}, {1024, "1 KiB"}, {16 << 20, "16 MiB"}, {3 << 29, "1.5 GiB"}} {
		if got := formatBytes(tc.n); got != tc.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
