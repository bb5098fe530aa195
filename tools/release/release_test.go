package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testFiles writes a fake binary and README, with the given modification
// time on disk (which must not reach the archives).
func testFiles(t *testing.T, dir string, mtime time.Time) []entry {
	t.Helper()
	bin, readme := filepath.Join(dir, "siglip2-tui"), filepath.Join(dir, "README.md")
	if err := os.WriteFile(bin, []byte("\x7fELF pretend binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, []byte("# siglip2-tui\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bin, readme} {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return []entry{{"siglip2-tui", bin, 0o755}, {"README.md", readme, 0o644}}
}

// Two archives of the same files made at different times, from files with
// different times and permissions on disk, are byte for byte the same, and
// hold exactly the fixed metadata.
func TestArchivesAreReproducible(t *testing.T) {
	stamp := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ext   string
		write func(dst, dir string, files []entry, t time.Time) error
	}{{".tar.gz", writeTarGz}, {".zip", writeZip}} {
		t.Run(c.ext, func(t *testing.T) {
			var archives [2][]byte
			for i := range archives {
				dir := t.TempDir()
				files := testFiles(t, dir, time.Now().Add(time.Duration(i)*time.Hour))
				dst := filepath.Join(dir, "a"+c.ext)
				if err := c.write(dst, "siglip2-tui_v1_linux_amd64", files, stamp); err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				archives[i] = b
			}
			if !bytes.Equal(archives[0], archives[1]) {
				t.Fatal("the same files gave two different archives")
			}
			got := list(t, c.ext, archives[0])
			want := []string{"siglip2-tui_v1_linux_amd64/siglip2-tui 755", "siglip2-tui_v1_linux_amd64/README.md 644"}
			if c.ext == ".tar.gz" {
				want = append([]string{"siglip2-tui_v1_linux_amd64/ 755"}, want...)
			}
			if len(got) != len(want) {
				t.Fatalf("entries %v, want %q", got, want)
			}
			for i := range want {
				if got[i].desc != want[i] || !got[i].time.Equal(stamp) {
					t.Errorf("entry %d: %s at %v, want %s at %v", i, got[i].desc, got[i].time, want[i], stamp)
				}
			}
		})
	}
}

type listed struct {
	desc string
	time time.Time
}

// list reads an archive's entries back: name, permissions, time (and, for
// tar, that the owner is root with no names).
func list(t *testing.T, ext string, b []byte) []listed {
	t.Helper()
	var out []listed
	if ext == ".zip" {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			out = append(out, listed{f.Name + " " + perm(int64(f.Mode().Perm())), f.Modified})
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		out = append(out, listed{h.Name + " " + perm(h.Mode), h.ModTime})
	}
}

func perm(m int64) string {
	return string([]byte{byte('0' + m>>6&7), byte('0' + m>>3&7), byte('0' + m&7)})
}

func TestSumsFileIsSortedSha256sumFormat(t *testing.T) {
	got := sumsFile(map[string]string{"b.zip": "22", "a.tar.gz": "11"})
	if want := "11  a.tar.gz\n22  b.zip\n"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
