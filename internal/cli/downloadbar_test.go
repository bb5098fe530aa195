package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func lastLine(s string) string           { i := strings.LastIndex(s, "\r"); return s[i+1:] }
func newTestBar(w *bytes.Buffer, width int) (*downloadBar, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 2, 21, 12, 0, 0, 0, time.UTC)}
	return newDownloadBar(w, func() int { return width }, clk.now), clk
}

func TestDownloadBarShowsBytesSpeedAndETA(t *testing.T) {
	var out bytes.Buffer
	bar, clk := newTestBar(&out, 100)
	const total = 100_000_000
	bar.Update("model.safetensors", 0, total)
	for i := 1; i <= 4; i++ { // 10 MB per second for 4 s
		clk.add(time.Second)
		bar.Update("model.safetensors", int64(i)*10_000_000, total)
	}
	line := strings.TrimSuffix(lastLine(out.String()), "\x1b[K")
	for _, want := range []string{"model.safetensors", "[########", "40%", "40.0 MB / 100.0 MB", "10.0 MB/s", "ETA 0:06"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	if n := len([]rune(line)); n > 99 {
		t.Errorf("line is %d wide for a 100-column terminal", n)
	}
	clk.add(6 * time.Second)
	bar.Update("model.safetensors", total, total)
	bar.Finish("model.safetensors", nil)
	if !strings.HasSuffix(out.String(), "\n") || !strings.Contains(lastLine(out.String()), "100.0 MB in 0:10 (10.0 MB/s)") {
		t.Errorf("summary %q", lastLine(out.String()))
	}
}

func TestDownloadBarThrottlesAndResumes(t *testing.T) {
	var out bytes.Buffer
	bar, clk := newTestBar(&out, 80)
	bar.Update("a.bin", 50, 100) // resumed at 50 bytes
	draws := strings.Count(out.String(), "\r")
	for i := 0; i < 10; i++ {
		clk.add(time.Millisecond)
		bar.Update("a.bin", 51+int64(i), 100)
	}
	if got := strings.Count(out.String(), "\r"); got != draws {
		t.Errorf("%d redraws within 10 ms, want none", got-draws)
	}
	clk.add(time.Second)
	bar.Update("a.bin", 100, 100)
	bar.Finish("a.bin", nil)
	// Speed counts only this run's bytes: 50 in about 1 s.
	if s := lastLine(out.String()); !strings.Contains(s, "(49 B/s)") && !strings.Contains(s, "(50 B/s)") {
		t.Errorf("summary %q should report about 50 B/s", s)
	}
}

func TestDownloadBarClearsOnFailureAndFitsNarrowTerminals(t *testing.T) {
	var out bytes.Buffer
	bar, _ := newTestBar(&out, 40)
	bar.Update("model-00001-of-00002.safetensors", 10, 1_000_000)
	if line := strings.TrimSuffix(lastLine(out.String()), "\x1b[K"); len([]rune(line)) > 39 {
		t.Errorf("line %q is wider than a 40-column terminal", line)
	}
	bar.Finish("model-00001-of-00002.safetensors", errors.New("boom"))
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Errorf("a failed download should clear its line, got %q", out.String())
	}
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	if progressFor(&bytes.Buffer{}) != nil {
		t.Error("progress for a buffer")
	}
	if progressFor(nil) != nil {
		t.Error("progress for nil")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if progressFor(f) != nil {
		t.Error("progress for a regular file")
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                         "0:00",
		59 * time.Second:          "0:59",
		61 * time.Second:          "1:01",
		time.Hour + 2*time.Minute: "1:02:00",
		-time.Second:              "0:00",
		1500 * time.Millisecond:   "0:02",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDownloadBarNeverOverflows(t *testing.T) {
	for width := 10; width <= 120; width++ {
		var out bytes.Buffer
		bar, clk := newTestBar(&out, width)
		bar.Update("model-00001-of-00002.safetensors", 0, 7_485_000_000)
		clk.add(time.Second)
		bar.Update("model-00001-of-00002.safetensors", 123_456_789, 7_485_000_000)
		line := strings.TrimSuffix(lastLine(out.String()), "\x1b[K")
		if n := len([]rune(line)); n > width-1 {
			t.Errorf("width %d: line %q has %d columns", width, line, n)
		}
		if width >= 80 && !strings.Contains(line, "[") {
			t.Errorf("width %d: no bar in %q", width, line)
		}
	}
}

func TestDownloadBarSummaryOfInstantDownload(t *testing.T) {
	var out bytes.Buffer
	bar, clk := newTestBar(&out, 100)
	bar.Update("config.json", 0, 1234)
	clk.add(20 * time.Millisecond)
	bar.Update("config.json", 1234, 1234)
	bar.Finish("config.json", nil)
	if got := lastLine(out.String()); got != "config.json  1.2 kB in 0:00\x1b[K\n" {
		t.Errorf("summary %q", got)
	}
}
