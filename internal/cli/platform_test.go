package cli

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

func TestPeakRSS(t *testing.T) {
	// This process has run a test binary: far more than 1 MB and, on any
	// CI machine, less than 64 GB are resident at the peak.
	if got := peakRSS(); got < 1<<20 || got > 64<<30 {
		t.Errorf("peakRSS = %d bytes", got)
	}
	if got := formatPeak(0); got != "unknown" {
		t.Errorf("formatPeak(0) = %q", got)
	}
	if got := formatPeak(878e6); got != "878 MB" {
		t.Errorf("formatPeak(878e6) = %q", got)
	}
}
