package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/viz"
)

func TestExploreWithoutTerminal(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"explore", "--demo"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "must be a terminal") || !strings.Contains(stderr.String(), "siglip2-tui heatmap") {
		t.Errorf("exit %d, stderr %q: want a clear error suggesting heatmap", code, stderr.String())
	}
	// A regular file is not a terminal either.
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stderr.Reset()
	if code := run([]string{"explore", "--demo"}, f, &stderr); code != 1 || !strings.Contains(stderr.String(), "must be a terminal") {
		t.Errorf("file output: exit %d, %q", code, stderr.String())
	}
}

func TestExploreUsageErrors(t *testing.T) {
	img := filepath.Join("testdata", "reference", "images", "img2_64x64_rgb.png")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "give an IMAGE"},
		{[]string{img, img}, 2, "give one IMAGE"},
		{[]string{"--demo", "--graphics", "png"}, 2, "--graphics"},
		{[]string{"--demo", "--color", "16"}, 2, "--color"},
		{[]string{"--demo", "--colormap", "jet"}, 2, "unknown colormap"},
		{[]string{"--demo", "--out", "/no/such/folder"}, 2, "--out"},
		{[]string{"--demo", "--max-patches", "-3"}, 2, "--max-patches"},
		{[]string{"--demo", "missing.png"}, 1, "no such file"},
		{[]string{"--demo", "testdata"}, 1, "is a folder"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"explore"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"explore", "--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "--demo") {
		t.Errorf("--help: exit %d", code)
	}
}

func TestParseColorModeAndGraphics(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	noColor := env(map[string]string{"NO_COLOR": "1", "TERM": "xterm-kitty"})
	if p, _ := parseGraphics("auto", viz.NoColor, noColor); p != viz.ProtocolNone {
		t.Errorf("auto graphics under NO_COLOR: %v", p)
	}
	kitty := env(map[string]string{"TERM": "xterm-kitty"})
	if p, _ := parseGraphics("auto", viz.TrueColor, kitty); p != viz.ProtocolKitty {
		t.Errorf("kitty: %v", p)
	}
	if p, _ := parseGraphics("none", viz.TrueColor, kitty); p != viz.ProtocolNone {
		t.Errorf("--graphics none: %v", p)
	}
	if p, _ := parseGraphics("sixel", viz.NoColor, noColor); p != viz.ProtocolSixel {
		t.Errorf("forced sixel: %v", p)
	}
	if m, _ := parseColorMode("256", io.Discard, []string{"TERM=xterm-kitty"}); m != viz.ANSI256 {
		t.Errorf("--color 256: %v", m)
	}
}

// Colour detection is colorprofile's, on a terminal (TTY_FORCE=1 makes it
// take the output for one); NO_COLOR wins with any non-empty value.
func TestDetectColorMode(t *testing.T) {
	cases := []struct {
		env  []string
		want viz.ColorMode
	}{
		{[]string{"NO_COLOR=1", "COLORTERM=truecolor", "TERM=xterm-kitty"}, viz.NoColor},
		{[]string{"NO_COLOR=yes", "TERM=xterm-256color"}, viz.NoColor},
		{[]string{"NO_COLOR=", "COLORTERM=truecolor", "TERM=xterm"}, viz.TrueColor},
		{[]string{"TERM=dumb"}, viz.NoColor},
		{[]string{"COLORTERM=24bit", "TERM=xterm"}, viz.TrueColor},
		{[]string{"TERM=xterm-kitty"}, viz.TrueColor},
		{[]string{"TERM=xterm-256color"}, viz.ANSI256},
		{[]string{"WT_SESSION=1", "TERM=xterm-256color"}, viz.TrueColor},
	}
	for _, c := range cases {
		env := append([]string{"TTY_FORCE=1"}, c.env...)
		if got := detectColorMode(io.Discard, env); got != c.want {
			t.Errorf("%v: %v, want %v", c.env, got, c.want)
		}
		if m, _ := parseColorMode("auto", io.Discard, env); m != c.want {
			t.Errorf("--color auto with %v: %v, want %v", c.env, m, c.want)
		}
	}
}
