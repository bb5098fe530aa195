package main

import (
	"strings"
	"testing"
)

func TestPlatformNotesNameWhatIsUntested(t *testing.T) {
	for _, c := range []struct {
		goos, goarch string
		want         []string
	}{
		{"darwin", "arm64", []string{"Accelerate", "untested", "SIGLIP2_BLAS=off", "NEON", "qemu"}},
		{"darwin", "amd64", []string{"Accelerate", "untested"}},
		{"windows", "amd64", []string{"Windows Terminal", "sixel", "mouse", "resize", "untested"}},
		{"linux", "arm64", []string{"NEON", "emulation", "SIGLIP2_SIMD=generic"}},
	} {
		got := platformNotes(c.goos, c.goarch)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s/%s notes lack %q:\n%s", c.goos, c.goarch, w, got)
			}
		}
	}
	if got := platformNotes("linux", "amd64"); got != "" {
		t.Errorf("linux/amd64, where every test runs, has notes:\n%s", got)
	}
	if got := platformNotes("linux", "arm64"); strings.Contains(got, "Accelerate") || strings.Contains(got, "Windows") {
		t.Errorf("linux/arm64 notes name another system:\n%s", got)
	}
}
